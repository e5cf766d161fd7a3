"""What Zenrei knows about the field, and nothing else.

Reporting categories (類型) and their aliases, kinds of incident and the rules that recognise
them, the themes of prevention measures, the variant wordings of the field, and the triage cues
drawn from the same kind vocabulary. Pure knowledge over records: `data/` reads tables below
it, `index/` and `assistant/` build on it; nothing here imports them. Changing a category
alias, a kind's wording or a theme is one edit in this package.
"""
