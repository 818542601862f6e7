/// One line of a fixed-width text table: `label` left-aligned in `labelWidth` columns, each
/// cell right-aligned in `cellWidth` (a longer text is not cut).
func tableLine(_ label: String, _ cells: [String], labelWidth: Int = 20, cellWidth: Int) -> String {
  label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
    + cells.map { String(repeating: " ", count: max(0, cellWidth - $0.count)) + $0 }.joined()
}
