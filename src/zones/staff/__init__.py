"""Staff and teams: importing people from HR's CSV exports."""
