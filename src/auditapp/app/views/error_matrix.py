"""Segmentation error matrix page (coming: built in the model-evaluation pages work)."""

import streamlit as st

st.title("Segmentation error matrix")
st.info("This page is coming in a next version of auditapp.")
