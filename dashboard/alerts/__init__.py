"""Alerts: the tab title counts customers waiting past WAIT_ALERT_MINUTES, and, for those who
opt in, a sound and a desktop notification when a customer crosses it or a delivery fails.
Read from the open-queue index: an alert poll costs Flownally nothing."""
