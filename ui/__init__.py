"""Streamlit pages and the widgets they share. Only display: every decision is in assistant/."""
