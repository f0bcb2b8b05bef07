"""Alert rules (预警规则): the registry as data (registry.py), the finders of each family
(timeliness.py, compliance.py, experts.py), the run that turns breaches into alerts once each
(engine.py), and a supervisor's acknowledge and resolve (lifecycle.py). docs/supervision.md,
"Alert rules"."""
