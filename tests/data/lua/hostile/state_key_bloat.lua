-- Keys its group state by megabyte strings, one more per event.
rule {
  id = "hostile.state_key_bloat", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) ctx.state[("k"):rep(1024 * 1024) .. ctx.now] = true end,
}
