# Prints, as JSON, what finops-lint's heading ids need from the Ruby that runs
# kramdown: the code points \p{Word} matches, String#downcase where it changes a
# code point, and kramdown's entity table (names and remapped numbers).
# Used by tests/oracle/gen_ruby_unicode.py; see src/finops_lint/parsing/ruby_unicode.py.
require "json"
require "kramdown"

ranges = []
alpha = []
down = {}
(0..0x10FFFF).each do |cp|
  next if cp >= 0xD800 && cp <= 0xDFFF
  c = [cp].pack("U")
  if c =~ /\p{Word}/
    if !ranges.empty? && ranges[-1][1] == cp - 1
      ranges[-1][1] = cp
    else
      ranges << [cp, cp]
    end
  end
  if c =~ /[[:alpha:]]/
    if !alpha.empty? && alpha[-1][1] == cp - 1
      alpha[-1][1] = cp
    else
      alpha << [cp, cp]
    end
  end
  d = c.downcase
  down[cp] = d.codepoints if d != c
end
names = {}
numbers = {}
Kramdown::Utils::Entities::ENTITY_TABLE.each do |code_point, data|
  if data.is_a?(String)
    names[data] = code_point
  else
    numbers[code_point] = Kramdown::Utils::Entities.entity(data).code_point
  end
end
puts JSON.generate({
  "unicode" => RbConfig::CONFIG["UNICODE_VERSION"],
  "ruby" => RUBY_VERSION,
  "kramdown" => Kramdown::VERSION,
  "word" => ranges,
  "alpha" => alpha,
  "downcase" => down.map { |k, v| [k, v] },
  "entities" => names.sort.to_h,
  "numeric_entities" => numbers.map { |k, v| [k, v] },
})
