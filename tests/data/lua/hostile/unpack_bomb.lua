-- Unpacks ten million values onto the stack.
rule {
  id = "hostile.unpack_bomb", from = { class_uid = 3002 },
  on_event = function(e, ctx) return string.char(table.unpack({}, 1, 1e7)) end,
}
