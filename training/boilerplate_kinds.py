"""What kind of page chrome a boilerplate segment is, for the corpus statistics (``parley data stats``).

The corpus does not store a kind per segment: these rules recognise the usual kinds from their wording, in
the five corpus languages, first match wins. A boilerplate line that no rule knows is counted as "other
article's headline or teaser" when it reads like a sentence (teasers of other stories rarely carry a
marker), else as "unrecognised". The figure is an estimate of variety, not a label.
"""

import re

_RULES: tuple[tuple[str, str], ...] = (
    (
        "embed or markup residue",
        r"<\/?\w+|\bdiv\b|\bclass=|\bsrc=|!\[|\{\{|\}\}|\bhttps?://|\.(?:jpe?g|png|gif|webp)\b",
    ),
    ("cookie or consent notice", r"cookie|consentement|consent|datenschutz|privacidad|privacy|traceurs|tracker"),
    ("newsletter prompt", r"newsletter|lettre d.information|infolettre|boletín"),
    (
        "comment moderation notice",
        r"modér|moderat|charte de|règles de (?:la )?(?:communauté|discussion)|community guidelines|"
        r"fermé aux commentaires|closed (?:for|to) comments|netiquette|commenti sono",
    ),
    ("comments widget", r"commentaire|comment(?:s|ez|er)?\b|kommentar|comentario|comentarios|commenti|réagi|reaccion"),
    (
        "paywall or subscription prompt",
        r"abonn|subscri|\babo\b|abo-|suscr|abbona|réservé aux|premium|plus\b.*article|paywall|"
        r"offre (?:spéciale|découverte|d.essai|numérique)|essai gratuit|free trial|jetzt lesen|sin límites",
    ),
    (
        "login prompt",
        r"connect|log ?in|sign ?in|anmeld|einlogg|iniciar sesión|inicia sesión|accedi|mon compte|mi cuenta",
    ),
    (
        "share or social buttons",
        r"partag|share|teilen|compart|condivid|facebook|twitter|whatsapp|linkedin|bluesky|\bx\b.*\bmail\b|"
        r"copier le lien|copy link|link kopieren|copiar enlace|telegram",
    ),
    ("follow us prompt", r"suivez|follow us|folgen sie|síguenos|seguici|rejoignez-nous"),
    (
        "app prompt",
        r"\bapp\b|application|appli\b|télécharg|download|herunterladen|descarga|scarica|notification|alerte",
    ),
    (
        "reading time",
        r"lecture\s*:?\s*\d|\d+\s*min(?:ute)?s?\b.*(?:lecture|read|lesen|lectura|lettura)|lesezeit|lesedauer|"
        r"temps de lecture|min read|tiempo de lectura|minuti di lettura",
    ),
    (
        "advertisement slot",
        r"publicit|\bpub\b|annonce|advert|\bads?\b|anzeige|werbung|publicidad|pubblicit|sponsor|partenaire|"
        r"contenu (?:sponsorisé|partenaire)|promoted|patrocinado",
    ),
    (
        "related-articles heading",
        r"lire aussi|à lire|a lire|lire la suite|sur le même sujet|dans la même rubrique|voir aussi|read (?:more|also)|"
        r"related|see also|mehr zum thema|lesen sie auch|auch interessant|weitere artikel|leer más|lea también|"
        r"te puede interesar|relacionad|leggi anche|potrebbe interessarti|articoli correlati|à découvrir|nos articles|"
        r"plus d.articles|en continu|à la une|also on|more from",
    ),
    (
        "most-read list",
        r"plus lus|les plus|most (?:read|popular|viewed)|meistgelesen|más leído|lo más|più lett|tendances|"
        r"trending|populaires",
    ),
    (
        "photo or video credit",
        r"^(?:photo|crédit|credit|foto|image|bild|fotografía|illustration)\b|©|\(photo|getty|shutterstock|imago|"
        r"/ ?(?:afp|reuters|ap|dpa|epa|efe|ansa)\b|photo ?:|foto ?:",
    ),
    (
        "copyright or legal footer",
        r"droits réservés|rights reserved|alle rechte|derechos reservados|diritti riservati|mentions légales|"
        r"impressum|aviso legal|note legali|cgu\b|conditions (?:générales|d.utilisation)|terms of|politique de|"
        r"nous contacter|contact|plan du site|sitemap|qui sommes-nous|about us|publicité\s*\|",
    ),
    (
        "agency or source credit",
        r"\b(?:afp|reuters|ap|dpa|belga|ats|ansa|efe|europa press|apa|kna|epd|bloomberg|xinhua)\b|avec agences|"
        r"avec l.afp|agence france|information fournie|source ?:|quelle ?:|fuente ?:|fonte ?:|rédigé par|reportage",
    ),
    (
        "byline",
        r"^(?:par|by|von|por|di|de)\s+\S|la rédaction|the editors|redaktion|redacción|redazione|correspondant|"
        r"envoyé spécial|journaliste|reporter|editor\b",
    ),
    (
        "date or update stamp",
        r"publié|mis à jour|modifié|updated|published|aktualisiert|veröffentlicht|\bstand\b|actualizado|publicado|"
        r"aggiornat|pubblicat|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}h\d{2}|\d{1,2}:\d{2}",
    ),
    (
        "video or audio player",
        r"vidéo|video|vídeo|podcast|écouter|listen|anhören|escuchar|ascolta|lecture en cours|play|durée|replay|"
        r"direct tv|en direct",
    ),
    ("tags or topics", r"^(?:mots-clés|tags?|thèmes?|sujets?|schlagwörter|themen|etiquetas|temas|argomenti|topics?)\b"),
    (
        "print, text size or save tools",
        r"imprimer|print|drucken|imprimir|stampa|taille du texte|text size|favori|sauvegard|enregistr|merken|"
        r"guardar|salva|envoyer|e-mail|email",
    ),
    (
        "donation or support appeal",
        r"soutenez|faites un don|donate|support us|unterstützen|spende|dona\b|donazione|apoyar",
    ),
    ("error or correction report", r"signaler|report an error|fehler melden|errata|erratum|correction|rectificatif"),
    (
        "weather, markets or ticker",
        r"météo|weather|wetter|tiempo|meteo|cac 40|dax|ibex|bourse|börse|bolsa|borsa|°c|€\s*[+-]",
    ),
    ("breadcrumb trail", r"›|»|>|→|/\s*\w+\s*/"),
    ("menu or section list", r"\s(?:\||·|•|–|-)\s|accueil|home\b|startseite|inicio|menu|rubriques|sections|toutes les"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _RULES)
OTHER_HEADLINE = "other article's headline or teaser"
SECTION_LABEL = "section label or site name"
UNRECOGNISED = "unrecognised"


def boilerplate_kind(text: str) -> str:
    """The kind of chrome ``text`` most likely is (see the module docstring)."""
    stripped = text.strip()
    for kind, pattern in _COMPILED:
        if pattern.search(stripped):
            return kind
    words = stripped.split()
    if len(words) <= 3:
        return SECTION_LABEL
    if len(words) >= 5:
        return OTHER_HEADLINE
    return UNRECOGNISED
