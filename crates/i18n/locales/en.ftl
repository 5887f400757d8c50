# Vouch: what referees (and providers answering their self-assessment) read, in English.
# Every other locale has exactly these messages with the same $arguments; the test
# `every_shipped_locale_has_exactly_the_english_messages_with_the_same_arguments` checks it.
# Names, companies and links arrive as arguments; in emails' HTML part an argument may
# already be bold or a link, so keep each argument whole.

## The locale itself

language-name = English
# A date in running text. $month is 1–12.
date-long = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
  } { $year }
# Only used by the tests of plural rules and escaping.
test-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
  }
test-greeting = Hello { $name }

## Emails to referees and pulse stakeholders

email-hello = Hello,
email-hello-name = Hello { $name },
email-open-link = Or open this link:
email-questions = Questions? Reply to this email and it will reach { $name }.
email-sent-by = Sent by { $sender }.
email-decline = If you would rather not take part, { $decline_here } and you will not be contacted about this request again
email-decline-pulse = If you would rather not take part, { $decline_here } and you will not be contacted about this check-in again
email-decline-here = decline here
email-opt-out-question = Never want to be asked for a reference again?
email-opt-out-question-pulse = Never want to receive requests like this again?
email-opt-out-link = Don't ask me again
email-length = The questionnaire has { $questions ->
    [one] one question
   *[other] { $questions } questions
  } and takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }. You can save your answers and finish later. Please answer by { $deadline }
email-length-pulse = The check-in has { $questions ->
    [one] one question
   *[other] { $questions } questions
  } and takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }. You can save your answers and finish later. Please answer by { $deadline }
email-button = Answer the questionnaire
email-button-pulse = Answer the check-in

invitation-subject = Reference request: { $provider }
invitation-subject-pulse = How is it going with { $provider }?
invitation-intro = { $requested_by } is considering working with { $provider } and would value your honest view as one of their clients.
invitation-intro-company = { $requested_by } at { $company } is considering working with { $provider } and would value your honest view as one of their clients.
invitation-intro-pulse = How is it going with { $provider }? { $requested_by } would like to hear about your own experience of working with them since they started. This is a short check-in, not a reference: please answer from what you have seen yourself.
invitation-intro-pulse-company = How is it going with { $provider }? { $requested_by } would like to hear about your own experience of working with them since they started at { $company }. This is a short check-in, not a reference: please answer from what you have seen yourself.

reminder-subject = Reminder: reference request for { $provider }
reminder-subject-last = Last call before { $deadline }: reference request for { $provider }
reminder-subject-pulse = Reminder: how is it going with { $provider }?
reminder-subject-pulse-last = Last call before { $deadline }: how is it going with { $provider }?
reminder-first = A short reminder: { $requested_by } asked for your view on { $provider }, and it would help a lot. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
reminder-first-company = A short reminder: { $requested_by } at { $company } asked for your view on { $provider }, and it would help a lot. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
reminder-last = The deadline for your reference on { $provider } is { $deadline }. { $requested_by } will decide soon, and your answers would still count if they arrive before then. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }.
reminder-last-company = The deadline for your reference on { $provider } is { $deadline }. { $requested_by } at { $company } will decide soon, and your answers would still count if they arrive before then. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }.
reminder-pulse-first = A short reminder: { $requested_by } asked how it is going with { $provider }, from your own experience since they started. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
reminder-pulse-first-company = A short reminder: { $requested_by } asked how it is going with { $provider }, from your own experience since they started at { $company }. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
reminder-pulse-last = The check-in on { $provider } closes on { $deadline }, and your answers would still count if they arrive before then. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }.

confirmation-subject = Thank you for your reference on { $provider }
confirmation-thanks = Thank you for taking the time to answer about { $provider }. Your answers have been recorded and will help { $requested_by } decide.
confirmation-thanks-company = Thank you for taking the time to answer about { $provider }. Your answers have been recorded and will help { $requested_by } at { $company } decide.
confirmation-nothing-more = There is nothing more to do. If you want to add something, reply to this email and it will reach { $name }.

## Every public page

page-skip = Skip to content
page-footer = Vouch reference checks
page-language = Language

## The questionnaire (referee, pulse stakeholder, provider's self-assessment)

form-title = Reference for { $provider } · Vouch
form-title-pulse = Check-in for { $provider } · Vouch
form-title-self = Self-assessment for { $provider } · Vouch
form-heading = How was it working with { $provider }?
form-heading-pulse = How is it going with { $provider }?
form-heading-self = How does { $provider } work with its clients?
form-lead = { $requested_by } is considering { $provider } and would value your honest view.
form-lead-name = { $requested_by } is considering { $provider } and would value your honest view, { $name }.
form-lead-pulse = { $requested_by } would like to know how working with { $provider } is going for you: the same questions their references answered before you hired them.
form-lead-pulse-name = { $requested_by } would like to know how working with { $provider } is going for you, { $name }: the same questions their references answered before you hired them.
form-lead-self = { $requested_by } is considering { $provider } and asks how you see your own firm. Rate each statement as honestly as you would want your clients to.
form-lead-self-name = { $requested_by } is considering { $provider } and asks how you see your own firm, { $name }. Rate each statement as honestly as you would want your clients to.
form-time-needed = Time needed
form-time = About { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  } ({ $count ->
    [one] one short question
   *[other] { $count } short questions
  })
form-time-self = About { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  } ({ $count ->
    [one] one statement
   *[other] { $count } statements
  })
form-answer-by = Please answer by
form-who-sees = Who sees your answers
form-who-sees-reference = The HR team deciding about { $provider }.
form-identity-shown = Your name is shown to them next to your answers.
form-identity-hidden = Your answers are reported without your name; your comments are quoted anonymously.
form-provider-blind = { $provider } does not see them.
form-who-sees-pulse = { $requested_by } and the people who chose { $provider }, to compare with what the references predicted. { $provider } does not see them.
form-who-sees-self = The reviewers deciding about { $provider }, next to what your client references say. Your self-assessment is never counted in the score.
form-saved = Your answers are saved. You can close this page and finish later with the same link.
form-check-answers = { $count ->
    [one] Please check 1 answer
   *[other] Please check { $count } answers
  }
form-optional = (optional)
form-scale-hint = 1 = strongly disagree, 5 = strongly agree. Choose “not observed” when you cannot judge.
form-scale-hint-self = 1 = strongly disagree, 5 = strongly agree. Choose “does not apply” when a statement does not fit your work.
form-percentile-hint = Compared with other providers of this kind you have worked with, where does this one stand? Choose the narrowest band that fits.
form-percentile-hint-self = Compared with other firms of your kind that your clients could choose, where do you stand? Choose the narrowest band that fits.
form-own-words = In your own words
# The headings of the shipped values profile's dimensions (a label the company wrote
# itself is shown as written).
dimension-values = Shares our values
dimension-dedication = Cares about our success as much as its own
dimension-accountability = Owns mistakes, delivers what it promised
dimension-communication = Transparent, proactive, responsive
dimension-partnership = Brings advice and initiative, one team with our staff
dimension-confidentiality = Trusted with sensitive information
dimension-scope = Clear about what it does and does not do
dimension-expertise = Technical quality
form-consent = I agree that my answers are stored and shared with the HR team deciding about { $provider }, as described above.
form-consent-self = I agree that these answers are stored and shown to the reviewers deciding about { $provider }, as described above.
form-consent-label = Agreement
form-send = Send my answers
form-send-self = Send our self-assessment
form-save = Save and finish later
form-decline = Rather not answer? { $link }.
form-decline-link = Decline this request

likert-1 = Strongly disagree
likert-2 = Disagree
likert-3 = Neutral
likert-4 = Agree
likert-5 = Strongly agree
likert-na = Not observed
likert-na-self = Does not apply
answer-yes = Yes
answer-no = No
answer-unsure = Not sure
percentile-bottom-half = Bottom half
percentile-top-half = Top half
percentile-top-quarter = Top quarter
percentile-top-10 = Top 10%
percentile-top-5 = Top 5%

error-required = Please answer this question.
error-likert = Choose a rating from 1 to 5, or “not observed”.
error-yes-no = Choose yes, no or unsure.
error-percentile = Choose one of the bands: bottom half, top half, top quarter, top 10% or top 5%.
error-choice = Choose one of: { $options }.
error-too-long = Please keep this under { $max } characters (it has { $count }).
error-consent = Please agree to how your answers are used before sending.

## Declining, opting out, and the pages after

decline-title = Decline · Vouch
decline-heading = Decline this reference request?
decline-text = { $requested_by } asked about { $provider }. If you decline, we will not contact you about it again.
decline-reason = Reason (optional, shared with { $requested_by })
decline-button = Decline the request
decline-back = Back to the questions

opt-out-title = Don't ask me again · Vouch
opt-out-heading = Never be asked for a reference again?
opt-out-text = You were asked about { $provider }. If you confirm, { $address } will not be asked for a reference again, about any provider, and the requests still open for it will stop.
opt-out-kept = Answers you already sent are kept.
opt-out-button = Don't ask me again
opt-out-done-heading = You will not be asked again
opt-out-done-text = { $address } is on our list of addresses that are never asked for a reference. Nothing more is needed.
opt-out-recorded = Your address is on our list of addresses that are never asked for a reference, and the requests still open for it have stopped. The people who asked have been told.
opt-out-recorded-close = Nothing more is needed. You can close this page.

done-title = Thank you
done-text = Your answers were sent. They help a company choose a partner that will treat it as well as you were treated — or spare it one that would not.
done-text-self = Your self-assessment was sent. The hiring company's reviewers will read it beside what your clients say; it does not count in the score.
done-close = You can close this page.
declined-title = You declined this request
declined-text = Thank you for letting us know. You will not be contacted about it again.

## When a link cannot be used

link-unknown-title = This link is not valid
link-unknown-text = It may have been replaced by a newer email, or mistyped.
link-unknown-help = If you were asked for a reference, please use the link in the most recent email, or reply to it.
link-closed-title = This request has closed
link-closed-text = The deadline has passed, so answers are no longer collected. Thank you all the same.
check-closed-title = This reference check has closed
check-closed-text = The answers have been read together and the check is closed, so no more answers are taken, and what you entered was not kept. Thank you for your time.
link-declined-text = Nothing more is needed from you. Thank you for letting us know.
link-self-sent-title = Your self-assessment was already sent
link-self-sent-text = Thank you: nothing more is needed. If you would like to change it, reply to the email you received and ask for a new link.
link-nominations-sent-title = These references were already sent
link-nominations-sent-text = Thank you: nothing more is needed. If something changed, reply to the email you received.
link-answered-title = You have already answered
link-answered-text = Your answers were received, and they cannot be changed now. Thank you for your help.
link-unavailable-title = Briefly unavailable
link-unavailable-text = Nothing you did caused this, and nothing was saved this time. Please go back and send the form again in a minute: your browser keeps what you entered.
link-internal-title = Something went wrong on our side
link-internal-text = Nothing you did caused this. Please go back and try again in a few minutes.
link-refused-title = This could not be done
link-refused-text = Please go back, check what you entered and try again.
form-unreadable-title = The form could not be read
form-unreadable-resend = Please go back and send it again.
form-unreadable-button = Please go back and use one of the buttons at the end of the form.

## Partnership both ways: the provider's people asked about the buyer at each pulse

invitation-subject-partner = How is the partnership going for { $provider }?
invitation-intro-partner = { $requested_by } would like to hear how working together is going from your side: whether { $provider } is included in plans, heard, kept informed and treated as a partner rather than a task list. Your side's answers are read together, never one by one.
invitation-intro-partner-company = { $requested_by } at { $company } would like to hear how working together is going from your side: whether { $provider } is included in plans, heard, kept informed and treated as a partner rather than a task list. Your side's answers are read together, never one by one.
reminder-subject-partner = Reminder: how is the partnership going for { $provider }?
reminder-subject-partner-last = Last call before { $deadline }: how is the partnership going for { $provider }?
reminder-partner-first = A short reminder: { $requested_by } asked how working together is going from the side of { $provider }. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
reminder-partner-first-company = A short reminder: { $requested_by } at { $company } asked how working together is going from the side of { $provider }. It takes about { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
  }; you can save and finish later.
form-title-partner = Partnership check-in for { $provider } · Vouch
form-heading-partner = How is the partnership going from your side?
form-lead-partner = { $requested_by } would like to know how working together is going for { $provider }: whether you are included, heard and kept informed.
form-lead-partner-name = { $requested_by } would like to know how working together is going for { $provider }, { $name }: whether you are included, heard and kept informed.
form-who-sees-partner = { $requested_by } and their colleagues, for your side as a whole once the check-in closes, beside what their own people say about { $provider }.
dimension-inclusion = Included in plans and strategy
dimension-advice = Advice heard and weighed
dimension-scope_clarity = Scope clear
dimension-timely_information = Information in time
dimension-partner_treatment = Treated as a partner

## Emails to the provider's contact: nomination and self-assessment, in the provider's language

nomination-subject = Please name { $count ->
    [one] { $count } client reference
   *[other] { $count } client references
  } for { $provider }
nomination-intro = { $requested_by } is considering working with { $provider }. As part of that, we would like to hear from { $count } of your current or past clients.
nomination-intro-company = { $requested_by } at { $company } is considering working with { $provider }. As part of that, we would like to hear from { $count } of your current or past clients.
nomination-ask = Please name them by { $deadline } (name, email, company and how they worked with you)
nomination-questionnaire = We will send each of them a short questionnaire.
nomination-button = Name your references
self-assessment-subject = A short self-assessment for { $provider }
self-assessment-intro = { $requested_by } is considering working with { $provider }. Alongside what your clients tell us, we would like to hear how you see your own work.
self-assessment-intro-company = { $requested_by } at { $company } is considering working with { $provider }. Alongside what your clients tell us, we would like to hear how you see your own work.
self-assessment-length = You will rate { $provider } on the same points your clients are asked about, written in the first person ("We ..."). It takes about { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
  } for { $questions ->
    [one] { $questions } statement
   *[other] { $questions } statements
  }, and you can save your answers and come back later. Please answer by { $deadline }
self-assessment-button = Start the self-assessment
self-assessment-who-sees = Your answers are compared with what your clients say and are shown only to the hiring company's reviewers. They are never counted in the score.
self-assessment-who-sees-company = Your answers are compared with what your clients say and are shown only to the reviewers at { $company }. They are never counted in the score.
