"""Analytics: tracked events, the dashboard by Mexican state, KPI alerts, GA4 forwarding and
the churn and revenue models (`analytics.ml`)."""
