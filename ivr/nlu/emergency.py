"""A high-recall emergency detector that survives recognition errors.

Checked before any FAQ matching: a phrase list (French and English) matched on accent-folded words, fuzzily
for long phrases so that ``"il y a un incendi"`` or ``"respir plu"`` still trigger. Harmless look-alikes
(``feu rouge``, ``facture de gaz``, ``aide de``...) are removed first.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

from ivr.nlu.text import fold

# Removed before matching: everyday phrases that contain an alarming word.
_HARMLESS: tuple[str, ...] = (
    "feu rouge", "feux rouges", "feu vert", "feu orange", "feu tricolore", "feux tricolores",
    "feu de circulation", "feux de circulation", "feu de signalisation", "feux de signalisation",
    "feu d artifice", "feux d artifice", "feu de camp", "feu de la saint jean", "feu pieton", "feux pietons",
    "facture de gaz", "factures de gaz", "facture gaz", "compteur de gaz", "contrat de gaz", "payer le gaz",
    "payer mon gaz", "gaz et electricite", "electricite et gaz", "electricite gaz", "gas bill", "gas bills",
    "a l aide de", "a l aide d", "traffic light", "traffic lights", "flu shot", "fire station",
    "fire works", "fireworks", "firework", "fire place", "fireplace",
)

# Single words that must match exactly (short words are too easy to hit by chance).
_WORDS: frozenset[str] = frozenset({
    "feu", "incendie", "incendies", "fumee", "flammes", "arme", "armes", "pistolet", "fusil",
    "couteau", "poignard", "poignarde", "poignardee", "suicide", "suicider", "inconscient", "inconsciente",
    "evanoui", "evanouie", "saigne", "hemorragie", "noyade", "noie", "overdose", "samu", "pompiers",
    "ambulance", "avc", "cambrioleur", "cambrioleurs", "agression", "agresse", "agressee", "agresser",
    "etouffe", "convulse", "convulsions",
    "fire", "smoke", "flames", "burning", "gun", "knife", "stabbed", "suicidal", "unconscious", "bleeding",
    "drowning", "overdosed", "attacked", "assaulted", "collapsed", "shooting",
})

# Word beginnings (>= 6 letters), matched fuzzily on the same number of letters: "incendi", "poignarder".
_STEMS: tuple[str, ...] = (
    "incendi", "poignard", "suicid", "agress", "evanoui", "inconscien", "hemorrag", "etouff", "asphyxi",
    "pompier", "strangl", "overdos", "unconscio", "suffocat",
)

# Phrases matched on a window of words, fuzzily when long enough.
_PHRASES: tuple[str, ...] = (
    "au feu", "le feu", "en feu", "du feu", "coup de feu", "coups de feu", "il y a le feu",
    "respire plus", "respire pas", "ne respire", "respire mal", "arrive plus a respirer",
    "peut plus respirer", "peux plus respirer", "au secours", "a l aide", "crise cardiaque",
    "arret cardiaque", "fait un malaise", "sans connaissance", "perdu connaissance", "ne bouge plus",
    "fuite de gaz", "odeur de gaz", "sent le gaz", "sens le gaz", "fuite gaz", "intoxication",
    "monoxyde de carbone", "me tuer", "se tuer", "me suicider", "mettre fin a mes jours", "veux mourir",
    "en finir avec la vie", "en finir avec ma vie", "plus envie de vivre", "end my life",
    "me frappe", "nous frappe", "la frappe", "le frappe", "il me bat", "violences conjugales",
    "tentative de suicide", "appeler les pompiers", "appeler le samu", "urgence vitale",
    "accident grave", "grave accident", "se reveille pas", "se reveille plus", "reveille pas", "reagit plus",
    "reagit pas", "avale des medicaments", "avale des cachets", "trop de medicaments", "empoisonne",
    "intoxique", "en train de frapper", "mal a la poitrine", "douleur a la poitrine", "tombe de la fenetre",
    "elle parle plus", "il parle plus", "ne parle plus", "ca brule", "tout brule", "maison brule",
    "cambriolage en cours",
    "par terre inconscient", "tombe par terre", "blesse grave", "gravement blesse",
    "not breathing", "can t breathe", "cannot breathe", "stopped breathing", "can not breathe",
    "heart attack", "cardiac arrest", "passed out", "gas leak", "smell gas", "smell of gas",
    "kill myself", "end my life", "want to die", "been shot", "shots fired", "call an ambulance",
    "somebody help", "help help", "on fire", "house is burning", "beating me", "hitting me",
    "won t wake up", "not waking up", "not responding", "serious accident", "badly hurt", "badly injured",
    "attacking me", "chest pain", "fell from the window", "having a stroke", "burglar",
    "took too many pills", "swallowed pills", "poisoned",
)

# Pairs of words that together mean an emergency (each alone does not).
_PAIRS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"accident", "accidents", "renverse", "renversee", "crash", "collision"}),
     frozenset({"blesse", "blesses", "blessee", "blessees", "blessure", "sang", "saigne", "inconscient",
                "bouge", "respire", "injured", "hurt", "bleeding", "unconscious", "ambulance", "grave",
                "terre", "serious", "ground"})),
    (frozenset({"menace", "menaces", "threatening", "threatens"}),
     frozenset({"couteau", "arme", "tuer", "mort", "knife", "gun", "kill"})),
)


def _cutoff(phrase: str) -> float:
    if len(phrase) <= 6:
        return 100.0
    return 88.0 if len(phrase) <= 12 else 84.0


_BY_SIZE: dict[int, tuple[list[str], np.ndarray]] = {}
for _phrase in _PHRASES:
    _BY_SIZE.setdefault(len(_phrase.split()), ([], np.zeros(0)))[0].append(_phrase)
for _size, (_group, _) in list(_BY_SIZE.items()):
    _BY_SIZE[_size] = (_group, np.array([_cutoff(p) for p in _group]))
_GLUED: list[str] = [p.replace(" ", "") for p in _PHRASES]
_GLUED_OK = np.array([len(g) > 6 for g in _GLUED])


def _windows(tokens: list[str], size: int, sep: str) -> list[str]:
    return [sep.join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)]


def _clean(text: str) -> list[str]:
    folded = f" {fold(text)} "
    for harmless in _HARMLESS:
        folded = folded.replace(f" {harmless} ", " ")
    return folded.split()


def detect_emergency(text: str) -> str | None:
    """The alarming word or phrase found in ``text`` (``None`` if there is none)."""
    tokens = _clean(text)
    if not tokens:
        return None
    for token in tokens:
        if token in _WORDS:
            return token
        for stem in _STEMS:
            if len(token) >= len(stem) - 1 and fuzz.ratio(token[: len(stem)], stem) >= 85.0:
                return stem
    for size, (group, cutoffs) in _BY_SIZE.items():
        windows = _windows(tokens, size, " ")
        if windows:
            hits = process.cdist(windows, group, scorer=fuzz.ratio) >= cutoffs[None, :]
            if hits.any():
                return group[int(np.argwhere(hits)[0][1])]
    # words split or glued by the recogniser: "au secour" / "ausecours"
    glued_windows = [w for size in (1, 2, 3, 4, 5) for w in _windows(tokens, size, "")]
    if glued_windows:
        hits = (process.cdist(glued_windows, _GLUED, scorer=fuzz.ratio) >= 90.0) & _GLUED_OK[None, :]
        if hits.any():
            return _PHRASES[int(np.argwhere(hits)[0][1])]
    words = set(tokens)
    for first, second in _PAIRS:
        if words & first and words & second:
            return f"{min(words & first)}+{min(words & second)}"
    return None
