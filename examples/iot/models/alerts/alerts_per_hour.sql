-- Alerts counted per hour, windowed on the upstream window's time (window_time survives ref()).
SELECT window_start, window_end, COUNT(*) AS alerts
FROM TABLE(TUMBLE(TABLE {{ ref("overheating_alerts") }}, DESCRIPTOR(alert_ts), INTERVAL '1' HOUR))
GROUP BY window_start, window_end
