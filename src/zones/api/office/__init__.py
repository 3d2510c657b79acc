"""Read endpoints for the office: sites, floors, zones, desks and rooms."""
