"""The names people read: one dictionary for the column, KPI, step and department names that
tables, charts and sentences show, so that ``give_ask_ratio`` reads "Gives per ask" everywhere.

A name without an entry is shown with its underscores as spaces and a capital first letter.
Lists written as CSV keep the code names (``customer_id``): they are for spreadsheets and other
tools, and their columns are described in docs/playbooks.md.
"""

from __future__ import annotations

LABELS = {
    # who and what
    "customer_id": "Customer",
    "salesperson_id": "Salesperson",
    "salesperson_name": "Salesperson's name",
    "store_id": "Store",
    "staff_id": "Staff",
    "campaign_id": "Campaign",
    "question_id": "Statement",
    "deal_id": "Deal",
    "name": "Name",
    "offer_make": "Offered make",
    "quality_band": "Record quality",
    "high_department": "Highest department",
    "low_department": "Lowest department",
    # rates, shares and their intervals
    "give_ask_ratio": "Gives per ask",
    "ask_only_share": "Ask-only share",
    "response_rate": "Response within 7 days",
    "response_low": "Response: low",
    "response_high": "Response: high",
    "irrelevant_share": "Offers for a make not owned",
    "unknown_ownership_share": "Offers with no vehicle on file",
    "step_compliance": "Step compliance",
    "compliance_low": "Compliance: low",
    "compliance_high": "Compliance: high",
    "lower": "95% low",
    "upper": "95% high",
    "low": "95% low",
    "high": "95% high",
    "personalised_share": "Personalised",
    "first_service_set": "First service set",
    "retention_12m": "Back for service in 12 months",
    "median_days_to_first_touch": "Median days to first touch",
    "median_longest_silence": "Median longest silence (days)",
    "eligible_sales": "Sales due",
    "against_the_rest": "Against the rest",
    "record_quality": "Record quality",
    "quality_low": "Quality: low",
    "quality_high": "Quality: high",
    "email_valid": "Working e-mail",
    "phone_valid": "Working phone",
    "postal_valid": "Postal code",
    "has_vehicle": "Vehicle on file",
    "household_linked": "Household linked",
    "household_known": "Household on file",
    "match_probability": "Match probability",
    "matched_on": "Agrees on",
    "tagged": "Tagged by the dealer",
    "found": "Tagged by the rules",
    "precision_interval": "Precision: 95% interval",
    "recall_interval": "Recall: 95% interval",
    "catches": "Would catch",
    "repurchase_share": "Bought again",
    "service_revenue": "Service revenue",
    "revenue_low": "Revenue: low",
    "revenue_high": "Revenue: high",
    "engaged_share": "Engaged in 90 days",
    "engaged_low": "Engaged: low",
    "engaged_high": "Engaged: high",
    "mean_score": "Mean score",
    "opened_low": "Opened: low",
    "opened_high": "Opened: high",
    "per_cost": "Spend per unit of cost",
    "per_cost_low": "Per cost: low",
    "per_cost_high": "Per cost: high",
    "associated": "Associated service spend",
    "department_mean": "Department's mean",
    "others_mean": "Others' mean",
    "kpi": "Measure",
    # the steps of the default plan
    "thank_you": "Thank-you",
    "check_in": "Check-in",
    "first_service_reminder": "First service reminder",
    "half_year": "Half-year",
    # departments
    "bdc": "BDC",
    "f_and_i": "F&I",
}


def label(name: object) -> str:
    """What people read for a column, KPI, step or department ``name``."""
    text = str(name)
    if text in LABELS:
        return LABELS[text]
    spaced = text.replace("_", " ")
    return spaced[:1].upper() + spaced[1:]
