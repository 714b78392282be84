"""The plainest Streamlit page with one Plotly chart: the baseline of the browser first-render
bench (bench/bench_speed_budget.py). Whatever this page costs, Chromium + Streamlit + Plotly.js
cost on this machine before any Collapse Explorer code runs."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Baseline: one Plotly chart")
x = np.logspace(0, 9, 91)
fig = go.Figure(go.Scatter(x=x, y=x ** -0.5, mode="lines", name="T^-1/2"))
fig.update_layout(xaxis_type="log", yaxis_type="log", height=420)
st.plotly_chart(fig, width="stretch")
