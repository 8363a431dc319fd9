# frozen_string_literal: true

# Loaded into test builds only (jekyll build --plugins DIR): records, for every
# page, document and static file Jekyll writes, its source file, URL and output
# file, and each page's converted body (after Liquid and Markdown, before the
# layout), so the oracle can tell which source file a link in the HTML came from.
require "json"

module FinopsLintOracle
  BODIES = {}

  def self.source_of(item)
    if item.is_a?(Jekyll::Document)
      item.path
    else
      File.join(item.instance_variable_get(:@base).to_s, item.instance_variable_get(:@dir).to_s,
                item.name.to_s)
    end
  end
end

Jekyll::Hooks.register [:pages, :documents], :post_convert do |item|
  FinopsLintOracle::BODIES[item.object_id] = item.content.to_s
end

Jekyll::Hooks.register :site, :post_write do |site|
  out = ENV["FINOPS_LINT_ORACLE_MAP"]
  next if out.nil? || out.empty?

  items = []
  site.pages.each do |page|
    items << {
      "kind" => "page",
      "class" => page.class.name,
      "source" => FinopsLintOracle.source_of(page),
      "url" => page.url,
      "dest" => page.destination(site.dest),
      "body" => FinopsLintOracle::BODIES[page.object_id],
    }
  end
  site.documents.each do |doc|
    next unless doc.is_a?(Jekyll::Document) && doc.write?

    items << {
      "kind" => "document",
      "class" => doc.class.name,
      "collection" => doc.collection.label,
      "source" => doc.path,
      "url" => doc.url,
      "dest" => doc.destination(site.dest),
      "body" => FinopsLintOracle::BODIES[doc.object_id],
    }
  end
  site.static_files.each do |file|
    next unless file.write?

    items << {
      "kind" => "static",
      "class" => file.class.name,
      "source" => file.path,
      "url" => file.url,
      "dest" => file.destination(site.dest),
    }
  end
  File.write(out, JSON.generate({ "source" => site.source, "dest" => site.dest,
                                  "baseurl" => site.baseurl.to_s, "items" => items }))
end
