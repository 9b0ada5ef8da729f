-- Tries to replace the string metatable's methods.
rule {
  id = "hostile.metatable_tamper", from = { class_uid = 3002 },
  on_event = function(e, ctx) getmetatable("").__index = { upper = function() return "pwned" end } end,
}
