"""French sample pages in the style of scraped news pages, written for Parley (no real article's text).

One set for every place that needs a known input: the export's parity check
when data/dev.jsonl is absent (an installed package), the reload self-check, the
server's warm-up pass and the HTTP API's example at /docs.
"""

SAMPLE_PAGES = (
    """Accueil  Monde  Économie  Sport  Culture
Publicité
Publié le 14/02 à 08h12 - Mis à jour à 10h40
Grève des contrôleurs aériens : la direction propose une prime, les syndicats disent non
"""
    "La direction de l'Aviation civile a proposé mardi une prime exceptionnelle de 900 euros aux contrôleurs, "
    "à condition que le préavis de grève soit levé d'ici jeudi.\n"
    "« Le compte n'y est pas », a répondu le secrétaire général du premier syndicat, "
    "qui exige l'ouverture de négociations sur les effectifs.\n"
    """Le ministre des Transports s'est dit prêt à recevoir les organisations syndicales dès vendredi.
Lire aussi
Tempête Ciarán : les vols reprennent à Brest
Partager sur Facebook  Partager sur X  Copier le lien
Abonnez-vous à notre newsletter et recevez l'essentiel de l'actualité chaque matin.""",
    """Le Courrier du Centre > Politique > Municipales
Par Claire Dubreuil, le 3 mars 2025 à 18h05
Budget municipal : l'opposition accepte de voter le texte si la taxe foncière n'augmente pas
Le maire a présenté lundi soir un budget en hausse de 4 %, porté par la rénovation des écoles.
L'opposition a fait savoir qu'elle le voterait, pourvu que le taux de la taxe foncière reste inchangé.
La majorité a refusé d'amender le projet sur ce point, jugeant la hausse « indispensable ».
Un nouveau vote est prévu le 17 mars.
Cet article est réservé aux abonnés. Déjà abonné ? Se connecter
© Le Courrier du Centre - Tous droits réservés""",
    """Menu  Rechercher  S'abonner
Santé : les infirmiers libéraux rejettent la proposition de l'Assurance maladie
L'Assurance maladie propose de revaloriser l'acte de soin de 1,50 euro à partir de juillet.
Les syndicats d'infirmiers libéraux ont jugé l'offre insuffisante et refusé de signer l'avenant.
« Nous sommes prêts à reprendre les discussions si le calendrier est avancé », a indiqué leur porte-parole.
La ministre de la Santé a accepté de les recevoir la semaine prochaine.
À lire également : Déserts médicaux, le plan du gouvernement
Commentaires (12)""",
)

# The page the API documents, the server warms up on and a reloaded model must score.
EXAMPLE_PAGE = SAMPLE_PAGES[0]
