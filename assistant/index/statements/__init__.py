"""Statements: who does what, read once per agreement from its normalised text.

```
Document(blocks) [+ raw text, for tables]
  │  tables        x-matrices whose columns are actors; rows of "Actor: Does …"
  │  lists         items under a lead-in that names the actor ("Regionen ansvarar för:")
  │  prose         paragraphs, sentence by sentence; adjacent sentences that divide a matter
  │    sentences     sentences and words, asides masked, quotes made running text
  │    coordination  a sentence cut into clauses (two predicates, two subjects)
  │    reading       one clause: predicate, doer and polarity
  │      predicates    the kind of duty a verb gives, and whether it is denied
  │      subjects      whose it is: subject, inverted subject, anaphor, agent, condition
  │      clause        the clause's words and the actors it names (`actors`)
  │    drafts        a statement being assembled: duty as a sentence, conditions
  ▼
Statement[]   extraction: form, id, passage, section, page; in text order
  │  overrides     an administrator's add / correct / drop lines (corpus/<id>.statements.jsonl)
  ▼
Statement[]   as the index stores them
```

`review` lists what an administrator should look at in a new agreement: sentences with a duty
verb in which no known actor was found (`unattributed_duties`).

The agreements state responsibility in a handful of Swedish shapes, and each is read:

- a sentence whose subject is an actor and whose predicate gives a duty: "Regionen ansvarar
  för …", "Socialnämnden ska …", "Socialtjänsten har kostnadsansvar för …", "Kommunerna är
  skyldiga att …", a task in the present tense ("Socialtjänsten beslutar om …"), with the
  subject before the verb or, after an opening adverbial, right after it ("Enligt SoL ska
  socialnämnden …"); an agent ("utfärdas av primärvård"); the actor of an opening condition
  when the main clause names none ("Om socialtjänsten misstänker …, ska kontakt tas …")
  (`reading`, `predicates`, `subjects`);
- a sentence of two predicates is two statements ("… har ett allmänt ansvar för … och har
  därutöver ett särskilt ansvar …"), as is one of two subjects ("… och den
  rättspsykiatriska öppenvården samordnar …") (`coordination`);
- a list under a lead-in that names the actor ("Regionen ansvarar för:", "Kommunen ska:",
  "Insatser som kommunerna ansvarar för:", a heading "Regionens ansvar"): each item, nested or
  numbered, is a statement whose duty is made a complete sentence ("Regionen ansvarar för
  läkemedelsassisterad behandling vid opiatberoende."); an item naming its own actor keeps it
  (`lists`);
- a table: an x-matrix whose columns are actors (one statement per party marked in a row) and
  rows of "Actor: Does …" (`tables`);
- joint forms ("Kommuner och region har ett gemensamt ansvar för", "båda huvudmännen",
  "parterna") give `gemensamt`; two adjacent sentences giving a matter to kommun and region
  are `divided` (`prose`);
- an explicit negative ("ansvarar inte för", "saknar motsvarande skyldighet", "ingår inte")
  has polarity "not", with the party of the actor that lacks the duty; a prohibition ("får
  inte") is a duty (`predicates`).

Not statements: permissions and possibilities ("kan", "får"), recommendations ("bör"),
importance ("det är viktigt att"), purposes ("för att X ska"), passives with no agent, and
anything without a known actor. Actors and their parties come from `actors` (the data file
`data/actors.tsv`); the closed classes of function words from `grammar`; Swedish word
classes from `morphology`.

The modules inside are private to the package: other layers use the names below.
"""

from assistant.index.statements.actors import (
    Actor,
    Mention,
    combined_party,
    find_mentions,
    load_actors,
    party_of,
    party_of_phrase,
)
from assistant.index.statements.extraction import extract_corpus, extract_statements
from assistant.index.statements.overrides import (
    Override,
    apply_overrides,
    override_files,
    overrides_path,
    read_overrides,
)
from assistant.index.statements.review import UnattributedDuty, unattributed_duties

# Stored in the index manifest: a change here rebuilds every agreement's statements.
EXTRACTOR_VERSION = "5"

__all__ = [
    "EXTRACTOR_VERSION",
    "Actor",
    "Mention",
    "Override",
    "UnattributedDuty",
    "apply_overrides",
    "combined_party",
    "extract_corpus",
    "extract_statements",
    "find_mentions",
    "load_actors",
    "override_files",
    "overrides_path",
    "party_of",
    "party_of_phrase",
    "read_overrides",
    "unattributed_duties",
]
