-- Asks for a 64 MiB string per event.
rule {
  id = "hostile.huge_string", from = { class_uid = 3002 },
  on_event = function(e, ctx) local s = ("x"):rep(64 * 1024 * 1024); ctx.state.n = #s end,
}
