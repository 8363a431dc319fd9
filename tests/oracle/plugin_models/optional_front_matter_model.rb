# frozen_string_literal: true

# A model of jekyll-optional-front-matter (GitHub Pages runs it; Debian does not
# package it), written from its README and generator: every Markdown file without
# front matter becomes a page, except README, LICENSE, LICENCE, COPYING,
# CODE_OF_CONDUCT, CONTRIBUTING, ISSUE_TEMPLATE and PULL_REQUEST_TEMPLATE; the
# original stays a static file. Loaded only into oracle builds that ask for it.
module OptionalFrontMatterModel
  FILENAME_BLACKLIST = %w(README LICENSE LICENCE COPYING CODE_OF_CONDUCT CONTRIBUTING
                          ISSUE_TEMPLATE PULL_REQUEST_TEMPLATE).freeze

  class Generator < Jekyll::Generator
    safe true
    priority :normal

    def generate(site)
      return if site.config["require_front_matter"]

      converter = site.find_converter_instance(Jekyll::Converters::Markdown)
      site.static_files.select { |f| converter.matches(f.extname) }.each do |file|
        page = Jekyll::Page.new(site, file.instance_variable_get(:@base),
                                file.instance_variable_get(:@dir), file.name)
        next if FILENAME_BLACKLIST.include?(page.basename.upcase)

        site.pages << page
      end
    end
  end
end
