"""`make demo`: one tender from draft to contract on the embedded parts, its legal periods lived
through on a clock the demo moves forward, then the platform left running to browse the result
(docs/operations.md, "make demo").

    clock.py     the demo's clock: the database and Python clocks moved together, demo only
    story.py     the story, step by step, through the platform's services, told in two languages
    __main__.py  `python -m config.demo`: start the parts, tell the story, run the platform
"""
