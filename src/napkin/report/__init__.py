"""`napkin report`: one shareable file (HTML, Markdown or JSON) with everything napkin knows
about a design."""
