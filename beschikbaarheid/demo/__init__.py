"""The demo region "Een 10 voor de Jeugd": fictional providers with a year of realistic history.

`plan` draws everything from a fixed seed into plain values, `load` writes that plan for a
reference date through the same services real use takes, `data` holds the fixed facts and name
parts both are built from.
"""
from beschikbaarheid.demo.load import (
    DemoLoadError,
    demo_password,
    load_demo,
    reference_moment,
)
from beschikbaarheid.demo.plan import DemoPlan, plan_demo

__all__ = ["DemoLoadError", "DemoPlan", "demo_password", "load_demo", "plan_demo", "reference_moment"]
