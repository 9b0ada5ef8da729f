-- A connection to (or from) an IP address on a watch list. OCSF Network Activity (class_uid 4001).
-- The list is scripts/lua/lookups/watchlist_ips.csv (columns ip,reason,source). The shipped file
-- holds documentation-range addresses (RFC 5737) only: replace it with your threat-intelligence
-- export (same header; keys compare case-insensitively), or point `file` at another CSV/JSON file.
-- The engine reloads the file when its size or modification time changes.
lookup { name = "watchlist_ips", file = "../lookups/watchlist_ips.csv", key = "ip" }

local function reason(ip)
  local row = lookup("watchlist_ips", ip)
  return row and row.reason or nil
end

rule {
  id          = "corr.net.watchlist_connection",
  version     = 1,
  title       = "Connection with a watch-listed IP address",
  description = "A network connection whose destination or source IP address is in the watchlist_ips lookup.",
  severity    = "high",
  attack      = { "T1071", "T1105" },
  tags        = { "network", "threat-intel" },
  author      = "siemhub",
  references  = { "https://attack.mitre.org/techniques/T1071/" },
  from        = { class_uid = 4001 },
  where       = { any = { { ["dst_endpoint.ip|in_lookup"] = "watchlist_ips" },
                          { ["src_endpoint.ip|in_lookup"] = "watchlist_ips" } } },
  by          = { "src_endpoint.ip", "dst_endpoint.ip" },
  window      = "1m",
  count       = 1,
  suppress    = "1h",
  emit        = function(m)
    local src, dst = m.by["src_endpoint.ip"], m.by["dst_endpoint.ip"]
    local hit, why = dst, reason(dst)
    if not why then hit, why = src, reason(src) end
    return {
      message  = string.format("connection %s -> %s: %s is watch-listed (%s)", src, dst, hit, why or "listed"),
      entities = { src_ip = src, dst_ip = dst, watchlisted_ip = hit },
      fields   = { reason = why },
    }
  end,
}
