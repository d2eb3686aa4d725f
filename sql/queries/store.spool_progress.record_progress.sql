INSERT INTO spool_progress (generation, seq) VALUES ($1, $2)
ON CONFLICT (generation) DO UPDATE SET seq = excluded.seq, updated_at = now()
