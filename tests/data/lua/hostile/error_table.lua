-- Raises a table instead of a message.
rule {
  id = "hostile.error_table", from = { class_uid = 3002 },
  on_event = function(e, ctx) error({ code = 42 }) end,
}
