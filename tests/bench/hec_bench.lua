-- wrk script: POST 1000-event HEC requests of a ~500-byte OCSF authentication event.
-- Used by tests/bench/hec_bench.sh; the token comes from the HEC_TOKEN environment variable.
local event = '{"time":1700000000.123,"sourcetype":"ocsf","event":{"class_uid":3002,"category_uid":3,' ..
  '"activity_id":1,"type_uid":300201,"severity_id":1,"time":1700000000123,"status_id":2,' ..
  '"message":"Logon failed: bad password","user":{"name":"alice","uid":"alice@corp.example"},' ..
  '"src_endpoint":{"ip":"203.0.113.66","port":51514},"dst_endpoint":{"hostname":"srv-db-01","ip":"10.1.2.3"},' ..
  '"auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,' ..
  '"metadata":{"version":"1.8.0","product":{"name":"bench","vendor_name":"siemhub"}}}}'
local parts = {}
for i = 1, 1000 do parts[i] = event end
wrk.method = "POST"
wrk.body = table.concat(parts, "\n")
wrk.headers["Authorization"] = "Splunk " .. os.getenv("HEC_TOKEN")
wrk.headers["Content-Type"] = "application/json"

-- HEC_DELAY_MS: each connection waits this long after an answer before its next request, which
-- holds the load below the maximum (the rate is connections / (latency + delay); the script
-- prints the rate reached). Unset: closed loop, as fast as the hub answers.
local delay_ms = tonumber(os.getenv("HEC_DELAY_MS") or "")
if delay_ms then
  function delay() return delay_ms end
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
