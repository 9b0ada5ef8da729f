-- Emits ten thousand findings per event.
rule {
  id = "hostile.emit_flood", from = { class_uid = 3002 },
  on_event = function(e, ctx)
    for i = 1, 10000 do ctx.emit { message = "flood " .. i } end
  end,
}
