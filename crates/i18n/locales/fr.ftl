# Vouch : ce que lisent les personnes sollicitées (et les prestataires pour leur
# auto-évaluation), en français. Mêmes messages et mêmes $arguments que en.ftl. Vouvoiement.

## The locale itself

language-name = Français
date-long = { $day ->
    [1] 1er
   *[other] { $day }
  } { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
  } { $year }
test-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
  }
test-greeting = Bonjour { $name }

## Emails to referees and pulse stakeholders

email-hello = Bonjour,
email-hello-name = Bonjour { $name },
email-open-link = Ou ouvrez ce lien :
email-questions = Une question ? Répondez à cet e-mail, il parviendra à { $name }.
email-sent-by = Envoyé par { $sender }.
email-decline = Si vous préférez ne pas participer, vous pouvez { $decline_here } : nous ne vous recontacterons plus au sujet de cette demande
email-decline-pulse = Si vous préférez ne pas participer, vous pouvez { $decline_here } : nous ne vous recontacterons plus au sujet de ce point d'étape
email-decline-here = refuser ici
email-opt-out-question = Vous ne souhaitez plus jamais qu'on vous demande une référence ?
email-opt-out-question-pulse = Vous ne souhaitez plus recevoir ce type de demande ?
email-opt-out-link = Ne plus me solliciter
email-length = Le questionnaire compte { $questions ->
    [one] une question
   *[other] { $questions } questions
  } et prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  }. Vous pouvez enregistrer vos réponses et terminer plus tard. Merci de répondre avant le { $deadline }
email-length-pulse = Ce point d'étape compte { $questions ->
    [one] une question
   *[other] { $questions } questions
  } et prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  }. Vous pouvez enregistrer vos réponses et terminer plus tard. Merci de répondre avant le { $deadline }
email-button = Répondre au questionnaire
email-button-pulse = Répondre au point d'étape

invitation-subject = Demande de référence : { $provider }
invitation-subject-pulse = Comment se passe la collaboration avec { $provider } ?
invitation-intro = { $requested_by } envisage de travailler avec { $provider } et aimerait avoir votre avis sincère en tant que client.
invitation-intro-company = { $requested_by }, chez { $company }, envisage de travailler avec { $provider } et aimerait avoir votre avis sincère en tant que client.
invitation-intro-pulse = Comment se passe la collaboration avec { $provider } ? { $requested_by } aimerait connaître votre propre expérience de travail avec eux depuis leur arrivée. Il s'agit d'un court point d'étape, pas d'une référence : répondez d'après ce que vous avez constaté vous-même.
invitation-intro-pulse-company = Comment se passe la collaboration avec { $provider } ? { $requested_by } aimerait connaître votre propre expérience de travail avec eux depuis leur arrivée chez { $company }. Il s'agit d'un court point d'étape, pas d'une référence : répondez d'après ce que vous avez constaté vous-même.

reminder-subject = Rappel : demande de référence pour { $provider }
reminder-subject-last = Dernier rappel avant le { $deadline } : demande de référence pour { $provider }
reminder-subject-pulse = Rappel : comment se passe la collaboration avec { $provider } ?
reminder-subject-pulse-last = Dernier rappel avant le { $deadline } : comment se passe la collaboration avec { $provider } ?
reminder-first = Petit rappel : { $requested_by } vous a demandé votre avis sur { $provider }, et il serait très utile. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
reminder-first-company = Petit rappel : { $requested_by }, chez { $company }, vous a demandé votre avis sur { $provider }, et il serait très utile. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
reminder-last = La date limite de votre référence sur { $provider } est le { $deadline }. { $requested_by } décidera bientôt, et vos réponses compteront encore si elles arrivent d'ici là. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  }.
reminder-last-company = La date limite de votre référence sur { $provider } est le { $deadline }. { $requested_by }, chez { $company }, décidera bientôt, et vos réponses compteront encore si elles arrivent d'ici là. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  }.
reminder-pulse-first = Petit rappel : { $requested_by } vous a demandé comment se passe la collaboration avec { $provider }, d'après votre propre expérience depuis leur arrivée. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
reminder-pulse-first-company = Petit rappel : { $requested_by } vous a demandé comment se passe la collaboration avec { $provider }, d'après votre propre expérience depuis leur arrivée chez { $company }. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
reminder-pulse-last = Le point d'étape sur { $provider } se termine le { $deadline }, et vos réponses compteront encore si elles arrivent d'ici là. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  }.

confirmation-subject = Merci pour votre référence sur { $provider }
confirmation-thanks = Merci d'avoir pris le temps de répondre au sujet de { $provider }. Vos réponses sont enregistrées et aideront { $requested_by } à décider.
confirmation-thanks-company = Merci d'avoir pris le temps de répondre au sujet de { $provider }. Vos réponses sont enregistrées et aideront { $requested_by }, chez { $company }, à décider.
confirmation-nothing-more = Vous n'avez rien d'autre à faire. Si vous souhaitez ajouter quelque chose, répondez à cet e-mail : il parviendra à { $name }.

## Every public page

page-skip = Aller au contenu
page-footer = Vouch – vérification de références
page-language = Langue

## The questionnaire (referee, pulse stakeholder, provider's self-assessment)

form-title = Référence sur { $provider } · Vouch
form-title-pulse = Point d'étape sur { $provider } · Vouch
form-title-self = Auto-évaluation de { $provider } · Vouch
form-heading = Comment s'est passée votre collaboration avec { $provider } ?
form-heading-pulse = Comment se passe la collaboration avec { $provider } ?
form-heading-self = Comment { $provider } travaille-t-il avec ses clients ?
form-lead = { $requested_by } envisage de travailler avec { $provider } et aimerait avoir votre avis sincère.
form-lead-name = { $requested_by } envisage de travailler avec { $provider } et aimerait avoir votre avis sincère, { $name }.
form-lead-pulse = { $requested_by } aimerait savoir comment se passe pour vous la collaboration avec { $provider } : ce sont les mêmes questions que celles posées à leurs références avant l'embauche.
form-lead-pulse-name = { $requested_by } aimerait savoir comment se passe pour vous la collaboration avec { $provider }, { $name } : ce sont les mêmes questions que celles posées à leurs références avant l'embauche.
form-lead-self = { $requested_by } envisage de travailler avec { $provider } et vous demande comment vous voyez votre propre entreprise. Évaluez chaque affirmation aussi honnêtement que vous aimeriez que vos clients le fassent.
form-lead-self-name = { $requested_by } envisage de travailler avec { $provider } et vous demande comment vous voyez votre propre entreprise, { $name }. Évaluez chaque affirmation aussi honnêtement que vous aimeriez que vos clients le fassent.
form-time-needed = Temps nécessaire
form-time = Environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ({ $count ->
    [one] une courte question
   *[other] { $count } courtes questions
  })
form-time-self = Environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ({ $count ->
    [one] une affirmation
   *[other] { $count } affirmations
  })
form-answer-by = Merci de répondre avant le
form-who-sees = Qui voit vos réponses
form-who-sees-reference = L'équipe RH qui décide au sujet de { $provider }.
form-identity-shown = Votre nom lui est présenté à côté de vos réponses.
form-identity-hidden = Vos réponses sont présentées sans votre nom ; vos commentaires sont cités anonymement.
form-provider-blind = { $provider } ne les voit pas.
form-who-sees-pulse = { $requested_by } et les personnes qui ont choisi { $provider }, pour les comparer à ce que les références avaient prédit. { $provider } ne les voit pas.
form-who-sees-self = Les personnes qui décident au sujet de { $provider }, à côté de ce que disent vos références clients. Votre auto-évaluation n'entre jamais dans le score.
form-saved = Vos réponses sont enregistrées. Vous pouvez fermer cette page et terminer plus tard avec le même lien.
form-check-answers = { $count ->
    [one] Veuillez vérifier 1 réponse
   *[other] Veuillez vérifier { $count } réponses
  }
form-optional = (facultatif)
form-scale-hint = 1 = pas du tout d'accord, 5 = tout à fait d'accord. Choisissez « Pas observé » si vous ne pouvez pas juger.
form-scale-hint-self = 1 = pas du tout d'accord, 5 = tout à fait d'accord. Choisissez « Ne s'applique pas » si une affirmation ne correspond pas à votre travail.
form-percentile-hint = Par rapport aux autres prestataires de ce type avec lesquels vous avez travaillé, où se situe celui-ci ? Choisissez la tranche la plus étroite qui convient.
form-percentile-hint-self = Par rapport aux autres cabinets comme le vôtre que vos clients pourraient choisir, où vous situez-vous ? Choisissez la tranche la plus étroite qui convient.
form-own-words = Avec vos propres mots
dimension-values = Partage nos valeurs
dimension-dedication = Tient à notre réussite autant qu'à la sienne
dimension-accountability = Assume ses erreurs, tient ses engagements
dimension-communication = Transparent, proactif, réactif
dimension-partnership = Conseille, prend des initiatives, fait équipe avec nos collaborateurs
dimension-confidentiality = Digne de confiance avec les informations sensibles
dimension-scope = Clair sur ce qu'il fait et ne fait pas
dimension-expertise = Qualité technique
form-consent = J'accepte que mes réponses soient enregistrées et transmises à l'équipe RH qui décide au sujet de { $provider }, comme décrit ci-dessus.
form-consent-self = J'accepte que ces réponses soient enregistrées et montrées aux personnes qui décident au sujet de { $provider }, comme décrit ci-dessus.
form-consent-label = Accord
form-send = Envoyer mes réponses
form-send-self = Envoyer notre auto-évaluation
form-save = Enregistrer et terminer plus tard
form-decline = Vous préférez ne pas répondre ? { $link }.
form-decline-link = Refuser cette demande

likert-1 = Pas du tout d'accord
likert-2 = Pas d'accord
likert-3 = Neutre
likert-4 = D'accord
likert-5 = Tout à fait d'accord
likert-na = Pas observé
likert-na-self = Ne s'applique pas
answer-yes = Oui
answer-no = Non
answer-unsure = Je ne sais pas
percentile-bottom-half = Moitié inférieure
percentile-top-half = Moitié supérieure
percentile-top-quarter = Quart supérieur
percentile-top-10 = Parmi les 10 % meilleurs
percentile-top-5 = Parmi les 5 % meilleurs

error-required = Veuillez répondre à cette question.
error-likert = Choisissez une note de 1 à 5, ou « Pas observé ».
error-yes-no = Choisissez oui, non ou je ne sais pas.
error-percentile = Choisissez l'une des tranches : moitié inférieure, moitié supérieure, quart supérieur, 10 % ou 5 % meilleurs.
error-choice = Choisissez l'une des réponses suivantes : { $options }.
error-too-long = Merci de rester sous { $max } caractères (le texte en compte { $count }).
error-consent = Veuillez accepter l'utilisation de vos réponses avant de les envoyer.

## Declining, opting out, and the pages after

decline-title = Refuser · Vouch
decline-heading = Refuser cette demande de référence ?
decline-text = { $requested_by } vous a interrogé au sujet de { $provider }. Si vous refusez, nous ne vous recontacterons plus à ce sujet.
decline-reason = Motif (facultatif, transmis à { $requested_by })
decline-button = Refuser la demande
decline-back = Revenir aux questions

opt-out-title = Ne plus me solliciter · Vouch
opt-out-heading = Ne plus jamais être sollicité pour une référence ?
opt-out-text = On vous a interrogé au sujet de { $provider }. Si vous confirmez, plus aucune référence ne sera demandée à { $address }, quel que soit le prestataire, et les demandes encore en cours pour cette adresse seront arrêtées.
opt-out-kept = Les réponses que vous avez déjà envoyées sont conservées.
opt-out-button = Ne plus me solliciter
opt-out-done-heading = Vous ne serez plus sollicité
opt-out-done-text = { $address } figure sur notre liste des adresses à qui l'on ne demande jamais de référence. Vous n'avez rien d'autre à faire.
opt-out-recorded = Votre adresse figure sur notre liste des adresses à qui l'on ne demande jamais de référence, et les demandes encore en cours pour elle ont été arrêtées. Les personnes à l'origine de la demande ont été prévenues.
opt-out-recorded-close = Vous n'avez rien d'autre à faire. Vous pouvez fermer cette page.

done-title = Merci
done-text = Vos réponses ont été envoyées. Elles aident une entreprise à choisir un partenaire qui la traitera aussi bien que vous l'avez été — ou à éviter celui qui ne le ferait pas.
done-text-self = Votre auto-évaluation a été envoyée. Les personnes qui décident la liront à côté de ce que disent vos clients ; elle ne compte pas dans le score.
done-close = Vous pouvez fermer cette page.
declined-title = Vous avez refusé cette demande
declined-text = Merci de nous avoir prévenus. Nous ne vous recontacterons plus à ce sujet.

## When a link cannot be used

link-unknown-title = Ce lien n'est pas valide
link-unknown-text = Il a peut-être été remplacé par un e-mail plus récent, ou mal recopié.
link-unknown-help = Si l'on vous a demandé une référence, utilisez le lien du dernier e-mail reçu, ou répondez à celui-ci.
link-closed-title = Cette demande est close
link-closed-text = La date limite est passée : les réponses ne sont plus recueillies. Merci tout de même.
check-closed-title = Cette vérification de références est close
check-closed-text = Les réponses ont été lues ensemble et la vérification est close : aucune réponse n'est plus acceptée, et ce que vous avez saisi n'a pas été conservé. Merci pour votre temps.
link-declined-text = Vous n'avez rien d'autre à faire. Merci de nous avoir prévenus.
link-self-sent-title = Votre auto-évaluation a déjà été envoyée
link-self-sent-text = Merci, vous n'avez rien d'autre à faire. Pour la modifier, répondez à l'e-mail reçu et demandez un nouveau lien.
link-nominations-sent-title = Ces références ont déjà été envoyées
link-nominations-sent-text = Merci, vous n'avez rien d'autre à faire. Si quelque chose a changé, répondez à l'e-mail reçu.
link-answered-title = Vous avez déjà répondu
link-answered-text = Vos réponses ont bien été reçues et ne peuvent plus être modifiées. Merci pour votre aide.
link-unavailable-title = Momentanément indisponible
link-unavailable-text = Vous n'y êtes pour rien, et rien n'a été enregistré cette fois-ci. Revenez en arrière et renvoyez le formulaire dans une minute : votre navigateur conserve ce que vous avez saisi.
link-internal-title = Un problème est survenu de notre côté
link-internal-text = Vous n'y êtes pour rien. Revenez en arrière et réessayez dans quelques minutes.
link-refused-title = Cette action n'a pas pu aboutir
link-refused-text = Revenez en arrière, vérifiez ce que vous avez saisi et réessayez.
form-unreadable-title = Le formulaire n'a pas pu être lu
form-unreadable-resend = Revenez en arrière et envoyez-le à nouveau.
form-unreadable-button = Revenez en arrière et utilisez l'un des boutons en bas du formulaire.

## Partnership both ways: the provider's people asked about the buyer at each pulse

invitation-subject-partner = Comment se passe le partenariat pour { $provider } ?
invitation-intro-partner = { $requested_by } aimerait savoir comment se passe la collaboration de votre côté : si { $provider } est associé aux projets, écouté, informé à temps et traité en partenaire plutôt qu'en liste de tâches. Les réponses de votre côté sont lues ensemble, jamais une à une.
invitation-intro-partner-company = { $requested_by } chez { $company } aimerait savoir comment se passe la collaboration de votre côté : si { $provider } est associé aux projets, écouté, informé à temps et traité en partenaire plutôt qu'en liste de tâches. Les réponses de votre côté sont lues ensemble, jamais une à une.
reminder-subject-partner = Rappel : comment se passe le partenariat pour { $provider } ?
reminder-subject-partner-last = Dernier rappel avant le { $deadline } : comment se passe le partenariat pour { $provider } ?
reminder-partner-first = Petit rappel : { $requested_by } a demandé comment se passe la collaboration du côté de { $provider }. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
reminder-partner-first-company = Petit rappel : { $requested_by } chez { $company } a demandé comment se passe la collaboration du côté de { $provider }. Cela prend environ { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
  } ; vous pouvez enregistrer et terminer plus tard.
form-title-partner = Point d'étape du partenariat pour { $provider } · Vouch
form-heading-partner = Comment se passe le partenariat de votre côté ?
form-lead-partner = { $requested_by } aimerait savoir comment se passe la collaboration pour { $provider } : si vous êtes associés, écoutés et informés à temps.
form-lead-partner-name = { $requested_by } aimerait savoir comment se passe la collaboration pour { $provider }, { $name } : si vous êtes associés, écoutés et informés à temps.
form-who-sees-partner = { $requested_by } et ses collègues, pour votre côté dans son ensemble une fois le point d'étape clos, à côté de ce que disent leurs propres équipes de { $provider }.
dimension-inclusion = Associé aux projets et à la stratégie
dimension-advice = Conseils écoutés et pris en compte
dimension-scope_clarity = Périmètre clair
dimension-timely_information = Informé à temps
dimension-partner_treatment = Traité en partenaire

## Emails to the provider's contact: nomination and self-assessment, in the provider's language

nomination-subject = Merci d'indiquer { $count ->
    [one] { $count } référence client
   *[other] { $count } références clients
  } pour { $provider }
nomination-intro = { $requested_by } envisage de travailler avec { $provider }. Dans ce cadre, nous aimerions avoir l'avis de { $count } de vos clients actuels ou passés.
nomination-intro-company = { $requested_by } chez { $company } envisage de travailler avec { $provider }. Dans ce cadre, nous aimerions avoir l'avis de { $count } de vos clients actuels ou passés.
nomination-ask = Merci de les indiquer d'ici le { $deadline } (nom, e-mail, entreprise et façon dont vous avez travaillé ensemble)
nomination-questionnaire = Nous enverrons à chacun un court questionnaire.
nomination-button = Indiquer vos références
self-assessment-subject = Une courte auto-évaluation pour { $provider }
self-assessment-intro = { $requested_by } envisage de travailler avec { $provider }. En plus de ce que nous disent vos clients, nous aimerions savoir comment vous voyez votre propre travail.
self-assessment-intro-company = { $requested_by } chez { $company } envisage de travailler avec { $provider }. En plus de ce que nous disent vos clients, nous aimerions savoir comment vous voyez votre propre travail.
self-assessment-length = Vous évaluerez { $provider } sur les mêmes points que vos clients, formulés à la première personne (« Nous … »). Cela prend environ { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
  } pour { $questions ->
    [one] { $questions } affirmation
   *[other] { $questions } affirmations
  }, et vous pouvez enregistrer vos réponses et revenir plus tard. Merci de répondre d'ici le { $deadline }
self-assessment-button = Commencer l'auto-évaluation
self-assessment-who-sees = Vos réponses sont comparées à ce que disent vos clients et ne sont montrées qu'aux évaluateurs de l'entreprise qui recrute. Elles n'entrent jamais dans le score.
self-assessment-who-sees-company = Vos réponses sont comparées à ce que disent vos clients et ne sont montrées qu'aux évaluateurs de { $company }. Elles n'entrent jamais dans le score.
