"""Pairwise model performance page (coming: built in the model-evaluation pages work)."""

import streamlit as st

st.title("Pairwise model performance")
st.info("This page is coming in a next version of auditapp.")
