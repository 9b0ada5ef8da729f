-- Password spray: many accounts failing from one source, each only a few times (a brute force
-- against one account is a different rule).
rule {
  id          = "corr.auth.password_spray",
  version     = 1,
  title       = "Password spray from one source",
  description = "Failed logons for at least 20 distinct accounts from one source within 15 minutes, at most 3 per account.",
  severity    = "medium",
  attack      = { "T1110.003" },
  tags        = { "authentication", "credential-access" },
  author      = "siemhub",
  references  = { "https://attack.mitre.org/techniques/T1110/003/" },
  from        = { class_uid = 3002, activity_id = 1, status_id = 2 },
  by          = { "src_endpoint.ip" },
  window      = { span = "15m" },
  distinct    = { field = "user.name", gte = 20 },
  having      = function(agg) return agg.max_per_value <= 3 end,  -- spray, not brute force
  on_match    = "reset",
  suppress    = "1h",
  emit        = function(m)
    return {
      message  = string.format("%d accounts tried from %s (%d failures, max %d per account)",
                               m.agg.distinct, m.by["src_endpoint.ip"], m.agg.count, m.agg.max_per_value),
      entities = { ip = m.by["src_endpoint.ip"] },
    }
  end,
}
