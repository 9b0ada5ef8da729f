-- Emits one finding with a 200 KB message.
rule {
  id = "hostile.huge_emit", from = { class_uid = 3002 },
  on_event = function(e, ctx) ctx.emit { message = ("x"):rep(200000) } end,
}
