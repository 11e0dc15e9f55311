"""Rollups of analytics events (materialized views on PostgreSQL, tables on SQLite), the
dashboard that reads them, the conversion funnel and KPI alerts."""
