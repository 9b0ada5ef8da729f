-- A backtracking pattern that would run for minutes.
rule {
  id = "hostile.pattern_bomb", from = { class_uid = 3002 },
  on_event = function(e, ctx) string.find(("a"):rep(25) .. "b", ("a*"):rep(12) .. "c") end,
}
