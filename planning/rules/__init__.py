"""The coverage rules R1-R8, each a module with one ``check(region, rulebook, access)``.

Every rule returns a :class:`~planning.rules.base.RuleResult`: a per-unit status table
(pass / fail / warn / unknown / not_applicable) with reason and action codes and the
residents concerned, export layers, a summary, and the clause it enforces. Rules write no
words: :mod:`planning.words` renders the codes in the planner's language.
"""

from planning.rules import (r1_health_centres, r2_village_clinics, r3_health_circle,
                            r4_sub_centres, r5_district_hospitals, r6_community_stations,
                            r7_medical_communities, r8_staff_access)
from planning.rules.base import FAIL, NA, PASS, STATUSES, UNKNOWN, WARN, RuleResult

#: rule id -> check function, in the order they are reported
RULES = {
    "R1": r1_health_centres.check,
    "R2": r2_village_clinics.check,
    "R3": r3_health_circle.check,
    "R4": r4_sub_centres.check,
    "R5": r5_district_hospitals.check,
    "R6": r6_community_stations.check,
    "R7": r7_medical_communities.check,
    "R8": r8_staff_access.check,
}

__all__ = ["RULES", "RuleResult", "PASS", "FAIL", "WARN", "NA", "UNKNOWN", "STATUSES"]
