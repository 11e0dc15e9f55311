"""Churn and revenue predictions: a churn classifier trained on the platform's own renewal
history, the shifted-beta-geometric cohort model and a monthly revenue forecast.

Modules that need scikit-learn, statsmodels, pandas or scipy import them inside their
functions, so an API worker that only reads stored predictions never loads them.
"""
