"""One module per page; Streamlit runs them as scripts through the router (st.navigation)."""
