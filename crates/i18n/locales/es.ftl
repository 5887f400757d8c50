# Vouch: lo que leen las personas consultadas (y los proveedores en su autoevaluación), en
# español. Mismos mensajes y mismos $argumentos que en.ftl. Trato de usted.

## The locale itself

language-name = Español
date-long = { $day } de { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
  } de { $year }
test-minutes = { $n ->
    [one] { $n } minuto
   *[other] { $n } minutos
  }
test-greeting = Hola, { $name }

## Emails to referees and pulse stakeholders

email-hello = Hola:
email-hello-name = Hola, { $name }:
email-open-link = O abra este enlace:
email-questions = ¿Tiene alguna pregunta? Responda a este correo y le llegará a { $name }.
email-sent-by = Enviado por { $sender }.
email-decline = Si prefiere no participar, puede { $decline_here } y no volveremos a contactarle por esta solicitud
email-decline-pulse = Si prefiere no participar, puede { $decline_here } y no volveremos a contactarle por este seguimiento
email-decline-here = rechazarla aquí
email-opt-out-question = ¿No quiere que le vuelvan a pedir una referencia?
email-opt-out-question-pulse = ¿No quiere volver a recibir solicitudes como esta?
email-opt-out-link = No volver a preguntarme
email-length = El cuestionario tiene { $questions ->
    [one] una pregunta
   *[other] { $questions } preguntas
  } y lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }. Puede guardar sus respuestas y terminar más tarde. Responda, por favor, antes del { $deadline }
email-length-pulse = El seguimiento tiene { $questions ->
    [one] una pregunta
   *[other] { $questions } preguntas
  } y lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }. Puede guardar sus respuestas y terminar más tarde. Responda, por favor, antes del { $deadline }
email-button = Responder al cuestionario
email-button-pulse = Responder al seguimiento

invitation-subject = Solicitud de referencia: { $provider }
invitation-subject-pulse = ¿Qué tal va el trabajo con { $provider }?
invitation-intro = { $requested_by } está valorando trabajar con { $provider } y le agradecería su opinión sincera como cliente.
invitation-intro-company = { $requested_by }, de { $company }, está valorando trabajar con { $provider } y le agradecería su opinión sincera como cliente.
invitation-intro-pulse = ¿Qué tal va el trabajo con { $provider }? A { $requested_by } le gustaría conocer su propia experiencia trabajando con ellos desde que empezaron. Es un breve seguimiento, no una referencia: responda según lo que haya visto usted mismo.
invitation-intro-pulse-company = ¿Qué tal va el trabajo con { $provider }? A { $requested_by } le gustaría conocer su propia experiencia trabajando con ellos desde que empezaron en { $company }. Es un breve seguimiento, no una referencia: responda según lo que haya visto usted mismo.

reminder-subject = Recordatorio: solicitud de referencia sobre { $provider }
reminder-subject-last = Último aviso antes del { $deadline }: solicitud de referencia sobre { $provider }
reminder-subject-pulse = Recordatorio: ¿qué tal va el trabajo con { $provider }?
reminder-subject-pulse-last = Último aviso antes del { $deadline }: ¿qué tal va el trabajo con { $provider }?
reminder-first = Un breve recordatorio: { $requested_by } le pidió su opinión sobre { $provider }, y sería de gran ayuda. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
reminder-first-company = Un breve recordatorio: { $requested_by }, de { $company }, le pidió su opinión sobre { $provider }, y sería de gran ayuda. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
reminder-last = El plazo para su referencia sobre { $provider } termina el { $deadline }. { $requested_by } decidirá pronto, y sus respuestas aún contarán si llegan antes. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }.
reminder-last-company = El plazo para su referencia sobre { $provider } termina el { $deadline }. { $requested_by }, de { $company }, decidirá pronto, y sus respuestas aún contarán si llegan antes. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }.
reminder-pulse-first = Un breve recordatorio: { $requested_by } le preguntó qué tal va el trabajo con { $provider }, según su propia experiencia desde que empezaron. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
reminder-pulse-first-company = Un breve recordatorio: { $requested_by } le preguntó qué tal va el trabajo con { $provider }, según su propia experiencia desde que empezaron en { $company }. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
reminder-pulse-last = El seguimiento sobre { $provider } se cierra el { $deadline }, y sus respuestas aún contarán si llegan antes. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }.

confirmation-subject = Gracias por su referencia sobre { $provider }
confirmation-thanks = Gracias por dedicar su tiempo a responder sobre { $provider }. Sus respuestas se han registrado y ayudarán a { $requested_by } a decidir.
confirmation-thanks-company = Gracias por dedicar su tiempo a responder sobre { $provider }. Sus respuestas se han registrado y ayudarán a { $requested_by }, de { $company }, a decidir.
confirmation-nothing-more = No tiene que hacer nada más. Si quiere añadir algo, responda a este correo y le llegará a { $name }.

## Every public page

page-skip = Saltar al contenido
page-footer = Vouch: verificación de referencias
page-language = Idioma

## The questionnaire (referee, pulse stakeholder, provider's self-assessment)

form-title = Referencia sobre { $provider } · Vouch
form-title-pulse = Seguimiento de { $provider } · Vouch
form-title-self = Autoevaluación de { $provider } · Vouch
form-heading = ¿Qué tal fue trabajar con { $provider }?
form-heading-pulse = ¿Qué tal va el trabajo con { $provider }?
form-heading-self = ¿Cómo trabaja { $provider } con sus clientes?
form-lead = { $requested_by } está valorando trabajar con { $provider } y le agradecería su opinión sincera.
form-lead-name = { $requested_by } está valorando trabajar con { $provider } y le agradecería su opinión sincera, { $name }.
form-lead-pulse = A { $requested_by } le gustaría saber qué tal le va trabajando con { $provider }: son las mismas preguntas que respondieron sus referencias antes de la contratación.
form-lead-pulse-name = A { $requested_by } le gustaría saber qué tal le va trabajando con { $provider }, { $name }: son las mismas preguntas que respondieron sus referencias antes de la contratación.
form-lead-self = { $requested_by } está valorando trabajar con { $provider } y le pregunta cómo ve a su propia empresa. Valore cada afirmación con la misma sinceridad que esperaría de sus clientes.
form-lead-self-name = { $requested_by } está valorando trabajar con { $provider } y le pregunta cómo ve a su propia empresa, { $name }. Valore cada afirmación con la misma sinceridad que esperaría de sus clientes.
form-time-needed = Tiempo necesario
form-time = Unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  } ({ $count ->
    [one] una pregunta breve
   *[other] { $count } preguntas breves
  })
form-time-self = Unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  } ({ $count ->
    [one] una afirmación
   *[other] { $count } afirmaciones
  })
form-answer-by = Responda, por favor, antes del
form-who-sees = Quién ve sus respuestas
form-who-sees-reference = El equipo de RR. HH. que decide sobre { $provider }.
form-identity-shown = Verán su nombre junto a sus respuestas.
form-identity-hidden = Sus respuestas se presentan sin su nombre; sus comentarios se citan de forma anónima.
form-provider-blind = { $provider } no las ve.
form-who-sees-pulse = { $requested_by } y las personas que eligieron a { $provider }, para compararlas con lo que predijeron las referencias. { $provider } no las ve.
form-who-sees-self = Las personas que deciden sobre { $provider }, junto a lo que dicen sus referencias de clientes. Su autoevaluación nunca cuenta en la puntuación.
form-saved = Sus respuestas se han guardado. Puede cerrar esta página y terminar más tarde con el mismo enlace.
form-check-answers = { $count ->
    [one] Revise 1 respuesta, por favor
   *[other] Revise { $count } respuestas, por favor
  }
form-optional = (opcional)
form-scale-hint = 1 = totalmente en desacuerdo, 5 = totalmente de acuerdo. Elija «No observado» si no puede valorarlo.
form-scale-hint-self = 1 = totalmente en desacuerdo, 5 = totalmente de acuerdo. Elija «No aplica» si una afirmación no encaja con su trabajo.
form-percentile-hint = En comparación con otros proveedores de este tipo con los que ha trabajado, ¿dónde se sitúa este? Elija el tramo más estrecho que corresponda.
form-percentile-hint-self = En comparación con otras empresas como la suya que sus clientes podrían elegir, ¿dónde se sitúan? Elija el tramo más estrecho que corresponda.
form-own-words = Con sus propias palabras
dimension-values = Comparte nuestros valores
dimension-dedication = Se preocupa por nuestro éxito tanto como por el suyo
dimension-accountability = Asume sus errores, cumple lo que promete
dimension-communication = Transparente, proactivo y rápido en responder
dimension-partnership = Aporta consejo e iniciativa, forma un equipo con nuestra gente
dimension-confidentiality = De confianza con la información sensible
dimension-scope = Claro sobre lo que hace y lo que no
dimension-expertise = Calidad técnica
form-consent = Acepto que mis respuestas se guarden y se compartan con el equipo de RR. HH. que decide sobre { $provider }, tal como se describe arriba.
form-consent-self = Acepto que estas respuestas se guarden y se muestren a las personas que deciden sobre { $provider }, tal como se describe arriba.
form-consent-label = Consentimiento
form-send = Enviar mis respuestas
form-send-self = Enviar nuestra autoevaluación
form-save = Guardar y terminar más tarde
form-decline = ¿Prefiere no responder? { $link }.
form-decline-link = Rechazar esta solicitud

likert-1 = Totalmente en desacuerdo
likert-2 = En desacuerdo
likert-3 = Neutral
likert-4 = De acuerdo
likert-5 = Totalmente de acuerdo
likert-na = No observado
likert-na-self = No aplica
answer-yes = Sí
answer-no = No
answer-unsure = No estoy seguro
percentile-bottom-half = Mitad inferior
percentile-top-half = Mitad superior
percentile-top-quarter = Cuarto superior
percentile-top-10 = Entre el 10 % mejor
percentile-top-5 = Entre el 5 % mejor

error-required = Responda a esta pregunta, por favor.
error-likert = Elija una valoración del 1 al 5, o «No observado».
error-yes-no = Elija sí, no o no estoy seguro.
error-percentile = Elija uno de los tramos: mitad inferior, mitad superior, cuarto superior, 10 % mejor o 5 % mejor.
error-choice = Elija una de estas opciones: { $options }.
error-too-long = Use menos de { $max } caracteres, por favor (ahora hay { $count }).
error-consent = Antes de enviar, acepte cómo se usarán sus respuestas.

## Declining, opting out, and the pages after

decline-title = Rechazar · Vouch
decline-heading = ¿Rechazar esta solicitud de referencia?
decline-text = { $requested_by } le preguntó por { $provider }. Si la rechaza, no volveremos a contactarle por este asunto.
decline-reason = Motivo (opcional, se comparte con { $requested_by })
decline-button = Rechazar la solicitud
decline-back = Volver a las preguntas

opt-out-title = No volver a preguntarme · Vouch
opt-out-heading = ¿No volver a recibir nunca una solicitud de referencia?
opt-out-text = Le preguntaron por { $provider }. Si lo confirma, no se volverá a pedir ninguna referencia a { $address }, sobre ningún proveedor, y se detendrán las solicitudes aún abiertas para esa dirección.
opt-out-kept = Las respuestas que ya envió se conservan.
opt-out-button = No volver a preguntarme
opt-out-done-heading = No volveremos a preguntarle
opt-out-done-text = { $address } está en nuestra lista de direcciones a las que nunca se piden referencias. No tiene que hacer nada más.
opt-out-recorded = Su dirección está en nuestra lista de direcciones a las que nunca se piden referencias, y las solicitudes aún abiertas para ella se han detenido. Se ha avisado a quienes las enviaron.
opt-out-recorded-close = No tiene que hacer nada más. Puede cerrar esta página.

done-title = Gracias
done-text = Sus respuestas se han enviado. Ayudan a una empresa a elegir un socio que la trate tan bien como le trataron a usted, o a evitar uno que no lo haría.
done-text-self = Su autoevaluación se ha enviado. Quienes deciden la leerán junto a lo que dicen sus clientes; no cuenta en la puntuación.
done-close = Puede cerrar esta página.
declined-title = Ha rechazado esta solicitud
declined-text = Gracias por avisarnos. No volveremos a contactarle por este asunto.

## When a link cannot be used

link-unknown-title = Este enlace no es válido
link-unknown-text = Puede que lo haya sustituido un correo más reciente o que se haya copiado mal.
link-unknown-help = Si le pidieron una referencia, use el enlace del correo más reciente o responda a él.
link-closed-title = Esta solicitud está cerrada
link-closed-text = El plazo ha terminado y ya no se recogen respuestas. Gracias de todos modos.
check-closed-title = Esta verificación de referencias está cerrada
check-closed-text = Las respuestas se han leído en conjunto y la verificación está cerrada: ya no se aceptan respuestas y lo que escribió no se ha guardado. Gracias por su tiempo.
link-declined-text = No necesitamos nada más de usted. Gracias por avisarnos.
link-self-sent-title = Su autoevaluación ya se envió
link-self-sent-text = Gracias: no hace falta nada más. Si quiere cambiarla, responda al correo que recibió y pida un enlace nuevo.
link-nominations-sent-title = Estas referencias ya se enviaron
link-nominations-sent-text = Gracias: no hace falta nada más. Si algo ha cambiado, responda al correo que recibió.
link-answered-title = Ya ha respondido
link-answered-text = Recibimos sus respuestas y ya no se pueden cambiar. Gracias por su ayuda.
link-unavailable-title = No disponible por un momento
link-unavailable-text = No es culpa suya, y esta vez no se ha guardado nada. Vuelva atrás y envíe el formulario de nuevo dentro de un minuto: su navegador conserva lo que escribió.
link-internal-title = Algo ha fallado por nuestra parte
link-internal-text = No es culpa suya. Vuelva atrás e inténtelo de nuevo dentro de unos minutos.
link-refused-title = No se ha podido completar
link-refused-text = Vuelva atrás, revise lo que escribió e inténtelo de nuevo.
form-unreadable-title = No se ha podido leer el formulario
form-unreadable-resend = Vuelva atrás y envíelo de nuevo.
form-unreadable-button = Vuelva atrás y use uno de los botones al final del formulario.

## Partnership both ways: the provider's people asked about the buyer at each pulse

invitation-subject-partner = ¿Qué tal va la colaboración para { $provider }?
invitation-intro-partner = { $requested_by } quiere saber qué tal va el trabajo conjunto desde su lado: si { $provider } participa en los planes, es escuchado, recibe la información a tiempo y es tratado como un socio y no como una lista de tareas. Las respuestas de su lado se leen juntas, nunca una a una.
invitation-intro-partner-company = { $requested_by } de { $company } quiere saber qué tal va el trabajo conjunto desde su lado: si { $provider } participa en los planes, es escuchado, recibe la información a tiempo y es tratado como un socio y no como una lista de tareas. Las respuestas de su lado se leen juntas, nunca una a una.
reminder-subject-partner = Recordatorio: ¿qué tal va la colaboración para { $provider }?
reminder-subject-partner-last = Último aviso antes del { $deadline }: ¿qué tal va la colaboración para { $provider }?
reminder-partner-first = Un breve recordatorio: { $requested_by } preguntó qué tal va el trabajo conjunto desde el lado de { $provider }. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
reminder-partner-first-company = Un breve recordatorio: { $requested_by } de { $company } preguntó qué tal va el trabajo conjunto desde el lado de { $provider }. Lleva unos { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
  }; puede guardar y terminar más tarde.
form-title-partner = Seguimiento de la colaboración para { $provider } · Vouch
form-heading-partner = ¿Qué tal va la colaboración desde su lado?
form-lead-partner = { $requested_by } quiere saber qué tal va el trabajo conjunto para { $provider }: si les incluyen, les escuchan y les informan a tiempo.
form-lead-partner-name = { $requested_by } quiere saber qué tal va el trabajo conjunto para { $provider }, { $name }: si les incluyen, les escuchan y les informan a tiempo.
form-who-sees-partner = { $requested_by } y sus colegas, para su lado en conjunto una vez cerrado el seguimiento, junto a lo que su propia gente dice de { $provider }.
dimension-inclusion = Incluido en planes y estrategia
dimension-advice = Consejos escuchados y valorados
dimension-scope_clarity = Alcance claro
dimension-timely_information = Información a tiempo
dimension-partner_treatment = Tratado como socio

## Emails to the provider's contact: nomination and self-assessment, in the provider's language

nomination-subject = Indique { $count ->
    [one] { $count } referencia de cliente
   *[other] { $count } referencias de clientes
  } para { $provider }
nomination-intro = { $requested_by } está valorando trabajar con { $provider }. Por eso nos gustaría conocer la opinión de { $count } de sus clientes actuales o anteriores.
nomination-intro-company = { $requested_by } de { $company } está valorando trabajar con { $provider }. Por eso nos gustaría conocer la opinión de { $count } de sus clientes actuales o anteriores.
nomination-ask = Indíquelos antes del { $deadline } (nombre, correo, empresa y cómo trabajaron con ustedes)
nomination-questionnaire = Enviaremos a cada uno un breve cuestionario.
nomination-button = Indicar sus referencias
self-assessment-subject = Una breve autoevaluación para { $provider }
self-assessment-intro = { $requested_by } está valorando trabajar con { $provider }. Además de lo que nos cuentan sus clientes, nos gustaría saber cómo ve usted su propio trabajo.
self-assessment-intro-company = { $requested_by } de { $company } está valorando trabajar con { $provider }. Además de lo que nos cuentan sus clientes, nos gustaría saber cómo ve usted su propio trabajo.
self-assessment-length = Valorará a { $provider } en los mismos puntos sobre los que se pregunta a sus clientes, redactados en primera persona («Nosotros…»). Lleva unos { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
  } para { $questions ->
    [one] { $questions } afirmación
   *[other] { $questions } afirmaciones
  }, y puede guardar sus respuestas y volver más tarde. Responda antes del { $deadline }
self-assessment-button = Empezar la autoevaluación
self-assessment-who-sees = Sus respuestas se comparan con lo que dicen sus clientes y solo las ven los evaluadores de la empresa contratante. Nunca cuentan en la puntuación.
self-assessment-who-sees-company = Sus respuestas se comparan con lo que dicen sus clientes y solo las ven los evaluadores de { $company }. Nunca cuentan en la puntuación.
