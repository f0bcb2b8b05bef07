"""The refusal of a complaint or of a decision on one."""

from config.errors import Refusal


class ComplaintRefused(Refusal):
    """A complaint, or a step on it, refused: the code for programs, the message naming what is
    wrong (and the article of the law where one applies), the field at fault."""

    code = "complaint_refused"
    status = 400
