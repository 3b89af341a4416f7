"""`napkin ui`: a Streamlit front end over the same Python API the CLI uses."""
