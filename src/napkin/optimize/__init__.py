"""`napkin optimize` and `napkin levers`: the cheapest design that meets the SLA."""
