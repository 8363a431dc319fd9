"""`finops-lint server`: a warm process that runs plain `check` calls for one site.

A one-page `check` of a big site spends most of its time on what does not depend
on the page: importing the tool, parsing the result cache's main file and
building the Site from 10,000 pages' cached facts. The server keeps those ready
between calls; each call still runs the whole check, in a child forked for it
(`daemon`), so nothing one call does is seen by the next. What the child takes
from the server is used only when it is provably what the call would make itself
(`prepared`); `client` is the console script's side.
"""
