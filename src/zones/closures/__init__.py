"""Closed days: public holidays of a site's country and closures a planner adds."""
