"""Short human labels per intent, used in clarification questions and agent summaries.

French labels carry their article ("le passeport") so that :func:`about` can contract "de le" into "du";
:func:`bare_label` drops it ("passeport") for caller-ID names.
"""

from __future__ import annotations

_LABELS: dict[str, tuple[str, str]] = {
    "city_hall_hours": ("les horaires de la mairie", "city hall opening hours"),
    "city_hall_address": ("l'adresse de la mairie", "the city hall address"),
    "id_card": ("la carte d'identité", "ID cards"),
    "passport": ("le passeport", "passports"),
    "id_appointment_status": ("le suivi d'une demande de titre", "an ID or passport application"),
    "birth_certificate": ("l'acte de naissance", "birth certificates"),
    "marriage_certificate": ("l'acte de mariage", "marriage certificates"),
    "death_declaration": ("la déclaration de décès", "registering a death"),
    "birth_declaration": ("la déclaration de naissance", "registering a birth"),
    "wedding": ("le mariage", "getting married"),
    "pacs": ("le PACS", "civil partnerships"),
    "voter_registration": ("l'inscription électorale", "voter registration"),
    "proxy_vote": ("la procuration", "proxy voting"),
    "citizen_census": ("le recensement citoyen", "the citizen census"),
    "hosting_certificate": ("l'attestation d'accueil", "hosting certificates"),
    "signature_certification": ("la légalisation de signature", "signature certification"),
    "moving_house": ("le déménagement", "moving house"),
    "waste_collection": ("la collecte des déchets", "waste collection"),
    "bulky_waste": ("les encombrants", "bulky waste"),
    "recycling_centre": ("la déchetterie", "the recycling centre"),
    "street_issue_report": ("un problème de voirie", "a street problem"),
    "school_enrolment": ("l'inscription scolaire", "school enrolment"),
    "school_canteen": ("la cantine", "the school canteen"),
    "after_school": ("le périscolaire", "after-school care"),
    "family_billing": ("la facturation famille", "family billing"),
    "nursery": ("la crèche", "nurseries"),
    "building_permit": ("le permis de construire", "building permits"),
    "works_declaration": ("la déclaration de travaux", "declaring works"),
    "resident_parking": ("le stationnement", "parking"),
    "towed_vehicle": ("la fourrière", "towed vehicles"),
    "lost_and_found": ("les objets trouvés", "lost and found"),
    "municipal_police": ("la police municipale", "the municipal police"),
    "emergency": ("une urgence", "an emergency"),
    "social_aid": ("l'aide sociale", "social aid"),
    "senior_services": ("les services aux seniors", "services for seniors"),
    "social_housing": ("le logement social", "social housing"),
    "library": ("la médiathèque", "the library"),
    "swimming_pool": ("la piscine", "the swimming pool"),
    "music_school": ("le conservatoire", "the music school"),
    "sports_associations": ("les associations sportives", "sports clubs"),
    "room_rental": ("la location de salle", "renting a room"),
    "cemetery": ("le cimetière", "the cemetery"),
    "market": ("le marché", "the market"),
    "city_jobs": ("les offres d'emploi", "jobs at the city hall"),
    "local_taxes": ("les impôts locaux", "local taxes"),
    "driving_licence_registration": ("le permis et la carte grise", "driving licences and car registration"),
    "health_centre": ("le centre de santé", "the health centre"),
    "meet_the_mayor": ("un rendez-vous avec le maire", "meeting the mayor"),
    "human_agent": ("un conseiller", "speaking to someone"),
    "callback_request": ("un rappel", "a callback"),
    "complaint": ("une réclamation", "a complaint"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "repeat": ("la répétition", "repeating"),
    "thanks": ("les remerciements", "thanks"),
    "goodbye": ("l'au revoir", "goodbye"),
    "speak_english": ("l'anglais", "English"),
    "speak_french": ("le français", "French"),
}

_ARTICLES = ("le ", "la ", "les ", "l'", "un ", "une ", "the ", "a ", "an ")


def intent_label(intent_id: str, lang: str) -> str:
    """The label of ``intent_id`` in ``lang`` (the id with spaces if not in the table)."""
    pair = _LABELS.get(intent_id)
    if pair is None:
        return intent_id.replace("_", " ")
    return pair[1] if lang == "en" else pair[0]


def bare_label(label: str) -> str:
    """The label without its leading article: "le passeport" -> "passeport"."""
    low = label.lower()
    for article in _ARTICLES:
        if low.startswith(article):
            return label[len(article):]
    return label


def about(label: str, lang: str) -> str:
    """Prefix "de" to the label with French contractions ("du passeport", "de la cantine"); English is unchanged."""
    if lang == "en":
        return label
    low = label.lower()
    if low.startswith("le "):
        return "du " + label[3:]
    if low.startswith("les "):
        return "des " + label[4:]
    return "de " + label
