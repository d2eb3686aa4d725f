SELECT set_config('plan_cache_mode', 'force_custom_plan', true),
       set_config('work_mem', $1, true),
       set_config('synchronous_commit', 'off', true)
