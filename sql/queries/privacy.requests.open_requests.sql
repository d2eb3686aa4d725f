SELECT r.id, r.requested_at, r.kind, r.subject_hash, r.site_id, s.key AS site_key,
       r.checked::text AS checked, r.rechecked, r.completed_at
FROM forget_requests r
LEFT JOIN sites s ON s.id = r.site_id
WHERE r.closed_at IS NULL
ORDER BY r.id
