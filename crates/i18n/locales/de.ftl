# Vouch: was Referenzgeber (und Dienstleister bei ihrer Selbsteinschätzung) lesen, auf Deutsch.
# Gleiche Nachrichten und $Argumente wie en.ftl. Anrede: „Sie“.

## The locale itself

language-name = Deutsch
date-long = { $day }. { $month ->
    [1] Januar
    [2] Februar
    [3] März
    [4] April
    [5] Mai
    [6] Juni
    [7] Juli
    [8] August
    [9] September
    [10] Oktober
    [11] November
   *[12] Dezember
  } { $year }
test-minutes = { $n ->
    [one] { $n } Minute
   *[other] { $n } Minuten
  }
test-greeting = Hallo { $name }

## Emails to referees and pulse stakeholders

email-hello = Guten Tag,
email-hello-name = Guten Tag { $name },
email-open-link = Oder öffnen Sie diesen Link:
email-questions = Fragen? Antworten Sie einfach auf diese E-Mail, sie erreicht { $name }.
email-sent-by = Gesendet von { $sender }.
email-decline = Wenn Sie lieber nicht teilnehmen möchten, können Sie { $decline_here }; wir melden uns dann zu dieser Anfrage nicht mehr bei Ihnen
email-decline-pulse = Wenn Sie lieber nicht teilnehmen möchten, können Sie { $decline_here }; wir melden uns dann zu dieser Rückmeldung nicht mehr bei Ihnen
email-decline-here = hier ablehnen
email-opt-out-question = Möchten Sie nie wieder um eine Referenz gebeten werden?
email-opt-out-question-pulse = Möchten Sie solche Anfragen nie wieder erhalten?
email-opt-out-link = Nicht mehr fragen
email-length = Der Fragebogen hat { $questions ->
    [one] eine Frage
   *[other] { $questions } Fragen
  } und dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }. Sie können Ihre Antworten speichern und später weitermachen. Bitte antworten Sie bis zum { $deadline }
email-length-pulse = Die Rückmeldung umfasst { $questions ->
    [one] eine Frage
   *[other] { $questions } Fragen
  } und dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }. Sie können Ihre Antworten speichern und später weitermachen. Bitte antworten Sie bis zum { $deadline }
email-button = Zum Fragebogen
email-button-pulse = Zur Rückmeldung

invitation-subject = Bitte um eine Referenz: { $provider }
invitation-subject-pulse = Wie läuft es mit { $provider }?
invitation-intro = { $requested_by } erwägt eine Zusammenarbeit mit { $provider } und würde gern Ihre ehrliche Einschätzung als Kunde hören.
invitation-intro-company = { $requested_by } von { $company } erwägt eine Zusammenarbeit mit { $provider } und würde gern Ihre ehrliche Einschätzung als Kunde hören.
invitation-intro-pulse = Wie läuft es mit { $provider }? { $requested_by } möchte gern wissen, welche Erfahrungen Sie selbst mit ihnen gemacht haben, seit sie angefangen haben. Dies ist eine kurze Rückmeldung, keine Referenz: Bitte antworten Sie nach dem, was Sie selbst erlebt haben.
invitation-intro-pulse-company = Wie läuft es mit { $provider }? { $requested_by } möchte gern wissen, welche Erfahrungen Sie selbst mit ihnen gemacht haben, seit sie bei { $company } angefangen haben. Dies ist eine kurze Rückmeldung, keine Referenz: Bitte antworten Sie nach dem, was Sie selbst erlebt haben.

reminder-subject = Erinnerung: Bitte um eine Referenz zu { $provider }
reminder-subject-last = Letzte Gelegenheit bis zum { $deadline }: Referenz zu { $provider }
reminder-subject-pulse = Erinnerung: Wie läuft es mit { $provider }?
reminder-subject-pulse-last = Letzte Gelegenheit bis zum { $deadline }: Wie läuft es mit { $provider }?
reminder-first = Eine kurze Erinnerung: { $requested_by } hat Sie um Ihre Einschätzung zu { $provider } gebeten, und sie würde sehr helfen. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
reminder-first-company = Eine kurze Erinnerung: { $requested_by } von { $company } hat Sie um Ihre Einschätzung zu { $provider } gebeten, und sie würde sehr helfen. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
reminder-last = Die Frist für Ihre Referenz zu { $provider } endet am { $deadline }. { $requested_by } entscheidet bald, und Ihre Antworten zählen noch, wenn sie bis dahin eingehen. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }.
reminder-last-company = Die Frist für Ihre Referenz zu { $provider } endet am { $deadline }. { $requested_by } von { $company } entscheidet bald, und Ihre Antworten zählen noch, wenn sie bis dahin eingehen. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }.
reminder-pulse-first = Eine kurze Erinnerung: { $requested_by } hat gefragt, wie es mit { $provider } läuft, nach Ihren eigenen Erfahrungen, seit sie angefangen haben. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
reminder-pulse-first-company = Eine kurze Erinnerung: { $requested_by } hat gefragt, wie es mit { $provider } läuft, nach Ihren eigenen Erfahrungen, seit sie bei { $company } angefangen haben. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
reminder-pulse-last = Die Rückmeldung zu { $provider } endet am { $deadline }, und Ihre Antworten zählen noch, wenn sie bis dahin eingehen. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }.

confirmation-subject = Vielen Dank für Ihre Referenz zu { $provider }
confirmation-thanks = Vielen Dank, dass Sie sich die Zeit genommen haben, Fragen zu { $provider } zu beantworten. Ihre Antworten sind gespeichert und helfen { $requested_by } bei der Entscheidung.
confirmation-thanks-company = Vielen Dank, dass Sie sich die Zeit genommen haben, Fragen zu { $provider } zu beantworten. Ihre Antworten sind gespeichert und helfen { $requested_by } von { $company } bei der Entscheidung.
confirmation-nothing-more = Sie müssen nichts weiter tun. Wenn Sie noch etwas ergänzen möchten, antworten Sie auf diese E-Mail; sie erreicht { $name }.

## Every public page

page-skip = Zum Inhalt springen
page-footer = Vouch – Referenzprüfungen
page-language = Sprache

## The questionnaire (referee, pulse stakeholder, provider's self-assessment)

form-title = Referenz zu { $provider } · Vouch
form-title-pulse = Rückmeldung zu { $provider } · Vouch
form-title-self = Selbsteinschätzung von { $provider } · Vouch
form-heading = Wie war die Zusammenarbeit mit { $provider }?
form-heading-pulse = Wie läuft es mit { $provider }?
form-heading-self = Wie arbeitet { $provider } mit seinen Kunden?
form-lead = { $requested_by } erwägt eine Zusammenarbeit mit { $provider } und würde gern Ihre ehrliche Einschätzung hören.
form-lead-name = { $requested_by } erwägt eine Zusammenarbeit mit { $provider } und würde gern Ihre ehrliche Einschätzung hören, { $name }.
form-lead-pulse = { $requested_by } möchte wissen, wie die Zusammenarbeit mit { $provider } für Sie läuft: dieselben Fragen, die vor der Beauftragung ihre Referenzgeber beantwortet haben.
form-lead-pulse-name = { $requested_by } möchte wissen, wie die Zusammenarbeit mit { $provider } für Sie läuft, { $name }: dieselben Fragen, die vor der Beauftragung ihre Referenzgeber beantwortet haben.
form-lead-self = { $requested_by } erwägt eine Zusammenarbeit mit { $provider } und möchte wissen, wie Sie Ihr eigenes Unternehmen sehen. Bewerten Sie jede Aussage so ehrlich, wie Sie es sich von Ihren Kunden wünschen würden.
form-lead-self-name = { $requested_by } erwägt eine Zusammenarbeit mit { $provider } und möchte wissen, wie Sie Ihr eigenes Unternehmen sehen, { $name }. Bewerten Sie jede Aussage so ehrlich, wie Sie es sich von Ihren Kunden wünschen würden.
form-time-needed = Zeitaufwand
form-time = Etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  } ({ $count ->
    [one] eine kurze Frage
   *[other] { $count } kurze Fragen
  })
form-time-self = Etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  } ({ $count ->
    [one] eine Aussage
   *[other] { $count } Aussagen
  })
form-answer-by = Bitte antworten Sie bis
form-who-sees = Wer Ihre Antworten sieht
form-who-sees-reference = Das HR-Team, das über { $provider } entscheidet.
form-identity-shown = Ihr Name wird dort neben Ihren Antworten angezeigt.
form-identity-hidden = Ihre Antworten werden ohne Ihren Namen ausgewertet; Ihre Kommentare werden anonym zitiert.
form-provider-blind = { $provider } sieht sie nicht.
form-who-sees-pulse = { $requested_by } und die Personen, die sich für { $provider } entschieden haben, um sie mit den Vorhersagen der Referenzen zu vergleichen. { $provider } sieht sie nicht.
form-who-sees-self = Die Personen, die über { $provider } entscheiden, neben den Aussagen Ihrer Kundenreferenzen. Ihre Selbsteinschätzung fließt nie in die Bewertung ein.
form-saved = Ihre Antworten sind gespeichert. Sie können diese Seite schließen und später über denselben Link weitermachen.
form-check-answers = { $count ->
    [one] Bitte prüfen Sie 1 Antwort
   *[other] Bitte prüfen Sie { $count } Antworten
  }
form-optional = (optional)
form-scale-hint = 1 = stimme überhaupt nicht zu, 5 = stimme voll zu. Wählen Sie „Nicht beobachtet“, wenn Sie es nicht beurteilen können.
form-scale-hint-self = 1 = stimme überhaupt nicht zu, 5 = stimme voll zu. Wählen Sie „Trifft nicht zu“, wenn eine Aussage nicht zu Ihrer Arbeit passt.
form-percentile-hint = Verglichen mit anderen Anbietern dieser Art, mit denen Sie gearbeitet haben: Wo steht dieser? Wählen Sie die engste Gruppe, die passt.
form-percentile-hint-self = Verglichen mit anderen Firmen Ihrer Art, die Ihre Kunden wählen könnten: Wo stehen Sie? Wählen Sie die engste Gruppe, die passt.
form-own-words = In Ihren eigenen Worten
dimension-values = Teilt unsere Werte
dimension-dedication = Setzt sich für unseren Erfolg ein wie für den eigenen
dimension-accountability = Steht zu Fehlern, hält, was zugesagt war
dimension-communication = Transparent, vorausschauend, gut erreichbar
dimension-partnership = Berät, ergreift Initiative, arbeitet als ein Team mit unseren Leuten
dimension-confidentiality = Verdient Vertrauen bei sensiblen Informationen
dimension-scope = Klar darüber, was zum Auftrag gehört und was nicht
dimension-expertise = Fachliche Qualität
form-consent = Ich bin damit einverstanden, dass meine Antworten gespeichert und wie oben beschrieben an das HR-Team weitergegeben werden, das über { $provider } entscheidet.
form-consent-self = Ich bin damit einverstanden, dass diese Antworten gespeichert und wie oben beschrieben den Personen gezeigt werden, die über { $provider } entscheiden.
form-consent-label = Einverständnis
form-send = Antworten senden
form-send-self = Selbsteinschätzung senden
form-save = Speichern und später weitermachen
form-decline = Lieber nicht antworten? { $link }.
form-decline-link = Diese Anfrage ablehnen

likert-1 = Stimme überhaupt nicht zu
likert-2 = Stimme nicht zu
likert-3 = Neutral
likert-4 = Stimme zu
likert-5 = Stimme voll zu
likert-na = Nicht beobachtet
likert-na-self = Trifft nicht zu
answer-yes = Ja
answer-no = Nein
answer-unsure = Weiß nicht
percentile-bottom-half = Untere Hälfte
percentile-top-half = Obere Hälfte
percentile-top-quarter = Oberes Viertel
percentile-top-10 = Beste 10 %
percentile-top-5 = Beste 5 %

error-required = Bitte beantworten Sie diese Frage.
error-likert = Wählen Sie eine Bewertung von 1 bis 5 oder „Nicht beobachtet“.
error-yes-no = Wählen Sie Ja, Nein oder Weiß nicht.
error-percentile = Wählen Sie eine der Gruppen: untere Hälfte, obere Hälfte, oberes Viertel, beste 10 % oder beste 5 %.
error-choice = Wählen Sie eine der Möglichkeiten: { $options }.
error-too-long = Bitte bleiben Sie unter { $max } Zeichen (bisher { $count }).
error-consent = Bitte stimmen Sie vor dem Senden zu, wie Ihre Antworten verwendet werden.

## Declining, opting out, and the pages after

decline-title = Ablehnen · Vouch
decline-heading = Diese Referenzanfrage ablehnen?
decline-text = { $requested_by } hat Sie nach { $provider } gefragt. Wenn Sie ablehnen, melden wir uns dazu nicht mehr bei Ihnen.
decline-reason = Grund (optional, wird an { $requested_by } weitergegeben)
decline-button = Anfrage ablehnen
decline-back = Zurück zu den Fragen

opt-out-title = Nicht mehr fragen · Vouch
opt-out-heading = Nie wieder um eine Referenz gebeten werden?
opt-out-text = Sie wurden nach { $provider } gefragt. Wenn Sie bestätigen, wird { $address } nie wieder um eine Referenz gebeten, zu keinem Dienstleister, und die noch offenen Anfragen an diese Adresse werden beendet.
opt-out-kept = Antworten, die Sie bereits gesendet haben, bleiben erhalten.
opt-out-button = Nicht mehr fragen
opt-out-done-heading = Sie werden nicht mehr gefragt
opt-out-done-text = { $address } steht auf unserer Liste der Adressen, die nie um eine Referenz gebeten werden. Sie müssen nichts weiter tun.
opt-out-recorded = Ihre Adresse steht auf unserer Liste der Adressen, die nie um eine Referenz gebeten werden, und die noch offenen Anfragen an sie wurden beendet. Die anfragenden Personen wurden informiert.
opt-out-recorded-close = Sie müssen nichts weiter tun. Sie können diese Seite schließen.

done-title = Vielen Dank
done-text = Ihre Antworten wurden gesendet. Sie helfen einem Unternehmen, einen Partner zu wählen, der es so gut behandelt, wie Sie behandelt wurden – oder einen zu meiden, der das nicht täte.
done-text-self = Ihre Selbsteinschätzung wurde gesendet. Die Entscheider des beauftragenden Unternehmens lesen sie neben den Aussagen Ihrer Kunden; in die Bewertung fließt sie nicht ein.
done-close = Sie können diese Seite schließen.
declined-title = Sie haben diese Anfrage abgelehnt
declined-text = Danke, dass Sie uns Bescheid gegeben haben. Wir melden uns dazu nicht mehr bei Ihnen.

## When a link cannot be used

link-unknown-title = Dieser Link ist nicht gültig
link-unknown-text = Vielleicht wurde er durch eine neuere E-Mail ersetzt oder falsch abgetippt.
link-unknown-help = Wenn Sie um eine Referenz gebeten wurden, verwenden Sie bitte den Link aus der neuesten E-Mail oder antworten Sie auf diese.
link-closed-title = Diese Anfrage ist abgeschlossen
link-closed-text = Die Frist ist abgelaufen, daher werden keine Antworten mehr angenommen. Trotzdem vielen Dank.
check-closed-title = Diese Referenzprüfung ist abgeschlossen
check-closed-text = Die Antworten wurden gemeinsam ausgewertet und die Prüfung ist beendet. Es werden keine Antworten mehr angenommen, und Ihre Eingaben wurden nicht gespeichert. Vielen Dank für Ihre Zeit.
link-declined-text = Von Ihnen wird nichts weiter benötigt. Danke, dass Sie uns Bescheid gegeben haben.
link-self-sent-title = Ihre Selbsteinschätzung wurde bereits gesendet
link-self-sent-text = Vielen Dank, es ist nichts weiter nötig. Wenn Sie etwas ändern möchten, antworten Sie auf die erhaltene E-Mail und bitten Sie um einen neuen Link.
link-nominations-sent-title = Diese Referenzen wurden bereits gesendet
link-nominations-sent-text = Vielen Dank, es ist nichts weiter nötig. Wenn sich etwas geändert hat, antworten Sie auf die erhaltene E-Mail.
link-answered-title = Sie haben bereits geantwortet
link-answered-text = Ihre Antworten sind eingegangen und können jetzt nicht mehr geändert werden. Vielen Dank für Ihre Hilfe.
link-unavailable-title = Kurzzeitig nicht verfügbar
link-unavailable-text = Das lag nicht an Ihnen, und diesmal wurde nichts gespeichert. Bitte gehen Sie zurück und senden Sie das Formular in einer Minute erneut: Ihr Browser behält Ihre Eingaben.
link-internal-title = Bei uns ist etwas schiefgelaufen
link-internal-text = Das lag nicht an Ihnen. Bitte gehen Sie zurück und versuchen Sie es in ein paar Minuten noch einmal.
link-refused-title = Das hat nicht geklappt
link-refused-text = Bitte gehen Sie zurück, prüfen Sie Ihre Eingaben und versuchen Sie es noch einmal.
form-unreadable-title = Das Formular konnte nicht gelesen werden
form-unreadable-resend = Bitte gehen Sie zurück und senden Sie es noch einmal.
form-unreadable-button = Bitte gehen Sie zurück und verwenden Sie eine der Schaltflächen am Ende des Formulars.

## Partnership both ways: the provider's people asked about the buyer at each pulse

invitation-subject-partner = Wie läuft die Partnerschaft für { $provider }?
invitation-intro-partner = { $requested_by } möchte wissen, wie die Zusammenarbeit aus Ihrer Sicht läuft: ob { $provider } in Pläne einbezogen, gehört, rechtzeitig informiert und als Partner statt als Aufgabenliste behandelt wird. Die Antworten Ihrer Seite werden zusammen gelesen, nie einzeln.
invitation-intro-partner-company = { $requested_by } bei { $company } möchte wissen, wie die Zusammenarbeit aus Ihrer Sicht läuft: ob { $provider } in Pläne einbezogen, gehört, rechtzeitig informiert und als Partner statt als Aufgabenliste behandelt wird. Die Antworten Ihrer Seite werden zusammen gelesen, nie einzeln.
reminder-subject-partner = Erinnerung: Wie läuft die Partnerschaft für { $provider }?
reminder-subject-partner-last = Letzte Gelegenheit vor dem { $deadline }: Wie läuft die Partnerschaft für { $provider }?
reminder-partner-first = Eine kurze Erinnerung: { $requested_by } hat gefragt, wie die Zusammenarbeit aus Sicht von { $provider } läuft. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
reminder-partner-first-company = Eine kurze Erinnerung: { $requested_by } bei { $company } hat gefragt, wie die Zusammenarbeit aus Sicht von { $provider } läuft. Es dauert etwa { $minutes ->
    [one] eine Minute
   *[other] { $minutes } Minuten
  }; Sie können speichern und später weitermachen.
form-title-partner = Partnerschafts-Rückmeldung für { $provider } · Vouch
form-heading-partner = Wie läuft die Partnerschaft aus Ihrer Sicht?
form-lead-partner = { $requested_by } möchte wissen, wie die Zusammenarbeit für { $provider } läuft: ob Sie einbezogen, gehört und rechtzeitig informiert werden.
form-lead-partner-name = { $requested_by } möchte wissen, wie die Zusammenarbeit für { $provider } läuft, { $name }: ob Sie einbezogen, gehört und rechtzeitig informiert werden.
form-who-sees-partner = { $requested_by } und die Kolleginnen und Kollegen, für Ihre Seite als Ganzes nach Ende der Rückmeldung, neben dem, was die eigenen Leute über { $provider } sagen.
dimension-inclusion = In Pläne und Strategie einbezogen
dimension-advice = Rat wird gehört und abgewogen
dimension-scope_clarity = Klarer Auftrag
dimension-timely_information = Rechtzeitig informiert
dimension-partner_treatment = Als Partner behandelt

## Emails to the provider's contact: nomination and self-assessment, in the provider's language

nomination-subject = Bitte nennen Sie { $count ->
    [one] { $count } Kundenreferenz
   *[other] { $count } Kundenreferenzen
  } für { $provider }
nomination-intro = { $requested_by } erwägt eine Zusammenarbeit mit { $provider }. Dazu möchten wir gern von { $count } Ihrer aktuellen oder früheren Kunden hören.
nomination-intro-company = { $requested_by } bei { $company } erwägt eine Zusammenarbeit mit { $provider }. Dazu möchten wir gern von { $count } Ihrer aktuellen oder früheren Kunden hören.
nomination-ask = Bitte nennen Sie sie bis zum { $deadline } (Name, E-Mail, Unternehmen und wie Sie zusammengearbeitet haben)
nomination-questionnaire = Wir senden jeder dieser Personen einen kurzen Fragebogen.
nomination-button = Referenzen nennen
self-assessment-subject = Eine kurze Selbsteinschätzung für { $provider }
self-assessment-intro = { $requested_by } erwägt eine Zusammenarbeit mit { $provider }. Neben dem, was Ihre Kunden uns sagen, möchten wir wissen, wie Sie Ihre eigene Arbeit sehen.
self-assessment-intro-company = { $requested_by } bei { $company } erwägt eine Zusammenarbeit mit { $provider }. Neben dem, was Ihre Kunden uns sagen, möchten wir wissen, wie Sie Ihre eigene Arbeit sehen.
self-assessment-length = Sie bewerten { $provider } in denselben Punkten, zu denen Ihre Kunden gefragt werden, in der ersten Person formuliert („Wir …“). Das dauert etwa { $minutes ->
    [one] { $minutes } Minute
   *[other] { $minutes } Minuten
  } für { $questions ->
    [one] { $questions } Aussage
   *[other] { $questions } Aussagen
  }, und Sie können speichern und später weitermachen. Bitte antworten Sie bis zum { $deadline }
self-assessment-button = Selbsteinschätzung beginnen
self-assessment-who-sees = Ihre Antworten werden mit den Aussagen Ihrer Kunden verglichen und nur den Prüfenden des einstellenden Unternehmens gezeigt. Sie fließen nie in die Bewertung ein.
self-assessment-who-sees-company = Ihre Antworten werden mit den Aussagen Ihrer Kunden verglichen und nur den Prüfenden bei { $company } gezeigt. Sie fließen nie in die Bewertung ein.
