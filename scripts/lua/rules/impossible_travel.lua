-- Impossible travel: one user authenticating successfully from two places so far apart, so soon
-- one after the other, that getting from one to the other needs more than 1000 km/h.
-- OCSF Authentication (class_uid 3002), Logon (activity_id 1), Success (status_id 1); the places
-- are `src_endpoint.location.lat` / `.long` (decimal degrees), set by the source or a geo-IP
-- enrichment. Logons without a location are ignored. Two logons less than MIN_KM apart never fire
-- (geo-IP locations are approximate).
local MAX_KMH = 1000
local MIN_KM = 100
local EARTH_RADIUS_KM = 6371.0088

-- Great-circle distance in km between two (lat, long) points in degrees.
local function haversine_km(lat1, lon1, lat2, lon2)
  local rad = math.pi / 180
  local dlat, dlon = (lat2 - lat1) * rad, (lon2 - lon1) * rad
  local a = math.sin(dlat / 2) ^ 2 + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin(dlon / 2) ^ 2
  return 2 * EARTH_RADIUS_KM * math.asin(math.min(1, math.sqrt(a)))
end

local function valid(lat, lon)
  return type(lat) == "number" and type(lon) == "number" and lat >= -90 and lat <= 90 and lon >= -180 and lon <= 180
end

rule {
  id          = "corr.auth.impossible_travel",
  version     = 1,
  title       = "Impossible travel",
  description = "Two successful logons of one user from places whose distance over the time between them implies more than 1000 km/h.",
  severity    = "high",
  attack      = { "T1078" },
  tags        = { "authentication", "initial-access" },
  author      = "siemhub",
  references  = { "https://attack.mitre.org/techniques/T1078/" },
  from        = { class_uid = 3002, activity_id = 1, status_id = 1 },
  where       = { ["src_endpoint.location.lat|exists"] = true, ["src_endpoint.location.long|exists"] = true },
  by          = { "user.name" },
  window      = { span = "24h" },  -- only the previous logon within a day is compared
  suppress    = "1h",
  on_event    = function(e, ctx)
    local lat, lon = e["src_endpoint.location.lat"], e["src_endpoint.location.long"]
    if not valid(lat, lon) then return end
    local s = ctx.state
    local here = { t = ctx.now, lat = lat, lon = lon, ip = e["src_endpoint.ip"] or "?",
                   city = e["src_endpoint.location.city"] or "?" }
    local last = s.last
    if last and math.abs(ctx.now - last.t) < ctx.span then
      local km = haversine_km(last.lat, last.lon, lat, lon)
      local hours = math.abs(ctx.now - last.t) / 3600000
      local kmh = hours > 0 and km / hours or math.huge
      if km >= MIN_KM and kmh > MAX_KMH then
        local a, b = last, here
        if ctx.now < last.t then a, b = here, last end
        ctx.emit {
          message    = string.format("%s logged on from %s (%s) and %s (%s), %.0f km apart in %.0f min (%s km/h)",
                                     ctx.by["user.name"], a.ip, a.city, b.ip, b.city, km, hours * 60,
                                     kmh == math.huge and "inf" or string.format("%.0f", kmh)),
          count      = 2,
          first_time = a.t,
          last_time  = b.t,
          entities   = { user = ctx.by["user.name"], from_ip = a.ip, to_ip = b.ip },
          fields     = { distance_km = math.floor(km + 0.5),
                         speed_kmh = kmh == math.huge and -1 or math.floor(kmh + 0.5) },
        }
      end
    end
    if not last or ctx.now >= last.t then s.last = here end
  end,
}
