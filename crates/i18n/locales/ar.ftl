# Vouch: ما يقرؤه من يُطلب رأيهم (ومقدّمو الخدمات في تقييمهم الذاتي)، بالعربية الفصحى.
# الرسائل والمعاملات ($) نفسها كما في en.ftl. الصياغة تتجنّب صيغ الأمر المذكّرة والمؤنّثة.
# Arabic plural categories: zero, one, two, few (3–10), many (11–99), other (100+).

## The locale itself

language-name = العربية
date-long = { $day } { $month ->
    [1] يناير
    [2] فبراير
    [3] مارس
    [4] أبريل
    [5] مايو
    [6] يونيو
    [7] يوليو
    [8] أغسطس
    [9] سبتمبر
    [10] أكتوبر
    [11] نوفمبر
   *[12] ديسمبر
  } { $year }
test-minutes = { $n ->
    [one] دقيقة واحدة
    [two] دقيقتان
    [few] { $n } دقائق
   *[other] { $n } دقيقة
  }
test-greeting = مرحبًا { $name }

## Emails to referees and pulse stakeholders

email-hello = مرحبًا،
email-hello-name = مرحبًا { $name }،
email-open-link = أو يمكنك فتح هذا الرابط:
email-questions = لديك سؤال؟ يكفي الرد على هذه الرسالة وسيصل ردّك إلى { $name }.
email-sent-by = أُرسلت من { $sender }.
email-decline = إن كنت تفضّل عدم المشاركة، يمكنك { $decline_here } ولن نتواصل معك بشأن هذا الطلب مرة أخرى
email-decline-pulse = إن كنت تفضّل عدم المشاركة، يمكنك { $decline_here } ولن نتواصل معك بشأن هذه المتابعة مرة أخرى
email-decline-here = الاعتذار من هنا
email-opt-out-question = ألا تريد أن يُطلب منك تقديم مرجع بعد اليوم؟
email-opt-out-question-pulse = ألا تريد أن تصلك طلبات كهذه بعد اليوم؟
email-opt-out-link = لا تسألوني مرة أخرى
email-length = يتكوّن الاستبيان من { $questions ->
    [one] سؤال واحد
    [two] سؤالين
    [few] { $questions } أسئلة
    [many] { $questions } سؤالًا
   *[other] { $questions } سؤال
  } ويستغرق نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }. يمكنك حفظ إجاباتك وإكمالها لاحقًا. يُرجى الرد قبل { $deadline }
email-length-pulse = تتكوّن المتابعة من { $questions ->
    [one] سؤال واحد
    [two] سؤالين
    [few] { $questions } أسئلة
    [many] { $questions } سؤالًا
   *[other] { $questions } سؤال
  } وتستغرق نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }. يمكنك حفظ إجاباتك وإكمالها لاحقًا. يُرجى الرد قبل { $deadline }
email-button = الإجابة عن الاستبيان
email-button-pulse = الإجابة عن المتابعة

invitation-subject = طلب مرجع: { $provider }
invitation-subject-pulse = كيف تسير الأمور مع { $provider }؟
invitation-intro = يدرس { $requested_by } التعامل مع { $provider }، ويهمّه أن يعرف رأيك الصريح بصفتك أحد عملائهم.
invitation-intro-company = يدرس { $requested_by } من { $company } التعامل مع { $provider }، ويهمّه أن يعرف رأيك الصريح بصفتك أحد عملائهم.
invitation-intro-pulse = كيف تسير الأمور مع { $provider }؟ يودّ { $requested_by } أن يسمع عن تجربتك أنت في العمل معهم منذ أن بدؤوا. هذه متابعة قصيرة وليست طلب مرجع: يُرجى الإجابة بناءً على ما رأيته بنفسك.
invitation-intro-pulse-company = كيف تسير الأمور مع { $provider }؟ يودّ { $requested_by } أن يسمع عن تجربتك أنت في العمل معهم منذ أن بدؤوا في { $company }. هذه متابعة قصيرة وليست طلب مرجع: يُرجى الإجابة بناءً على ما رأيته بنفسك.

reminder-subject = تذكير: طلب مرجع بشأن { $provider }
reminder-subject-last = فرصة أخيرة قبل { $deadline }: طلب مرجع بشأن { $provider }
reminder-subject-pulse = تذكير: كيف تسير الأمور مع { $provider }؟
reminder-subject-pulse-last = فرصة أخيرة قبل { $deadline }: كيف تسير الأمور مع { $provider }؟
reminder-first = تذكير قصير: طلب { $requested_by } رأيك في { $provider }، وسيكون ذلك عونًا كبيرًا. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
reminder-first-company = تذكير قصير: طلب { $requested_by } من { $company } رأيك في { $provider }، وسيكون ذلك عونًا كبيرًا. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
reminder-last = آخر موعد لمرجعك بشأن { $provider } هو { $deadline }. سيتخذ { $requested_by } قراره قريبًا، وستُحتسب إجاباتك إن وصلت قبل ذلك. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }.
reminder-last-company = آخر موعد لمرجعك بشأن { $provider } هو { $deadline }. سيتخذ { $requested_by } من { $company } قراره قريبًا، وستُحتسب إجاباتك إن وصلت قبل ذلك. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }.
reminder-pulse-first = تذكير قصير: سأل { $requested_by } عن سير العمل مع { $provider }، من واقع تجربتك أنت منذ أن بدؤوا. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
reminder-pulse-first-company = تذكير قصير: سأل { $requested_by } عن سير العمل مع { $provider }، من واقع تجربتك أنت منذ أن بدؤوا في { $company }. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
reminder-pulse-last = تُغلق المتابعة بشأن { $provider } في { $deadline }، وستُحتسب إجاباتك إن وصلت قبل ذلك. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }.

confirmation-subject = شكرًا على مرجعك بشأن { $provider }
confirmation-thanks = شكرًا لك على تخصيص وقتك للإجابة عن { $provider }. سُجّلت إجاباتك، وستساعد { $requested_by } على اتخاذ القرار.
confirmation-thanks-company = شكرًا لك على تخصيص وقتك للإجابة عن { $provider }. سُجّلت إجاباتك، وستساعد { $requested_by } من { $company } على اتخاذ القرار.
confirmation-nothing-more = لا حاجة إلى أي شيء آخر. إن أردت إضافة شيء، يكفي الرد على هذه الرسالة وسيصل ردّك إلى { $name }.

## Every public page

page-skip = الانتقال إلى المحتوى
page-footer = Vouch للتحقق من المراجع
page-language = اللغة

## The questionnaire (referee, pulse stakeholder, provider's self-assessment)

form-title = مرجع بشأن { $provider } · Vouch
form-title-pulse = متابعة بشأن { $provider } · Vouch
form-title-self = التقييم الذاتي لـ{ $provider } · Vouch
form-heading = كيف كان العمل مع { $provider }؟
form-heading-pulse = كيف تسير الأمور مع { $provider }؟
form-heading-self = كيف تعمل { $provider } مع عملائها؟
form-lead = يدرس { $requested_by } التعامل مع { $provider }، ويهمّه أن يعرف رأيك الصريح.
form-lead-name = يدرس { $requested_by } التعامل مع { $provider }، ويهمّه أن يعرف رأيك الصريح يا { $name }.
form-lead-pulse = يودّ { $requested_by } أن يعرف كيف يسير العمل مع { $provider } بالنسبة إليك: وهي الأسئلة نفسها التي أجاب عنها مرجعوهم قبل التعاقد معهم.
form-lead-pulse-name = يودّ { $requested_by } أن يعرف كيف يسير العمل مع { $provider } بالنسبة إليك يا { $name }: وهي الأسئلة نفسها التي أجاب عنها مرجعوهم قبل التعاقد معهم.
form-lead-self = يدرس { $requested_by } التعامل مع { $provider }، ويسألك كيف ترى شركتك. يُرجى تقييم كل عبارة بالصدق الذي تتمنّاه من عملائك.
form-lead-self-name = يدرس { $requested_by } التعامل مع { $provider }، ويسألك يا { $name } كيف ترى شركتك. يُرجى تقييم كل عبارة بالصدق الذي تتمنّاه من عملائك.
form-time-needed = الوقت اللازم
form-time = نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  } ({ $count ->
    [one] سؤال قصير واحد
    [two] سؤالان قصيران
    [few] { $count } أسئلة قصيرة
    [many] { $count } سؤالًا قصيرًا
   *[other] { $count } سؤال قصير
  })
form-time-self = نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  } ({ $count ->
    [one] عبارة واحدة
    [two] عبارتان
    [few] { $count } عبارات
    [many] { $count } عبارة
   *[other] { $count } عبارة
  })
form-answer-by = يُرجى الرد قبل
form-who-sees = من يطّلع على إجاباتك
form-who-sees-reference = فريق الموارد البشرية الذي يتخذ القرار بشأن { $provider }.
form-identity-shown = يظهر لهم اسمك بجانب إجاباتك.
form-identity-hidden = تُعرض إجاباتك دون اسمك، وتُقتبس تعليقاتك دون ذكر صاحبها.
form-provider-blind = لا تطّلع { $provider } عليها.
form-who-sees-pulse = { $requested_by } ومن اختاروا { $provider }، لمقارنتها بما توقّعه المرجعون. لا تطّلع { $provider } عليها.
form-who-sees-self = من يتخذون القرار بشأن { $provider }، إلى جانب ما يقوله عملاؤك المرجعون. لا يُحتسب تقييمك الذاتي في النتيجة أبدًا.
form-saved = حُفظت إجاباتك. يمكنك إغلاق هذه الصفحة والإكمال لاحقًا بالرابط نفسه.
form-check-answers = { $count ->
    [one] يُرجى مراجعة إجابة واحدة
    [two] يُرجى مراجعة إجابتين
    [few] يُرجى مراجعة { $count } إجابات
   *[other] يُرجى مراجعة { $count } إجابة
  }
form-optional = (اختياري)
form-scale-hint = ١ = لا أوافق إطلاقًا، ٥ = أوافق تمامًا. يُرجى اختيار «لم ألاحظ ذلك» عند تعذّر الحكم.
form-scale-hint-self = ١ = لا أوافق إطلاقًا، ٥ = أوافق تمامًا. يُرجى اختيار «لا ينطبق» إن كانت العبارة لا تناسب عملكم.
form-percentile-hint = مقارنةً بغيره من مقدّمي الخدمة من هذا النوع ممّن عملتم معهم، أين يقع هذا المقدّم؟ يُرجى اختيار أضيق فئة تنطبق عليه.
form-percentile-hint-self = مقارنةً بغيركم من الشركات المماثلة التي يمكن لعملائكم اختيارها، أين تقعون؟ يُرجى اختيار أضيق فئة تنطبق.
form-own-words = بكلماتك الخاصة
dimension-values = يشاركنا قيمنا
dimension-dedication = يهتمّ بنجاحنا بقدر اهتمامه بنجاحه
dimension-accountability = يعترف بأخطائه ويفي بما وعد به
dimension-communication = شفّاف ومبادر وسريع الاستجابة
dimension-partnership = يقدّم المشورة ويبادر، ويعمل فريقًا واحدًا مع موظفينا
dimension-confidentiality = أهل للثقة في التعامل مع المعلومات الحساسة
dimension-scope = واضح بشأن ما يقدّمه وما لا يقدّمه
dimension-expertise = الجودة التقنية
form-consent = أوافق على حفظ إجاباتي ومشاركتها مع فريق الموارد البشرية الذي يتخذ القرار بشأن { $provider }، كما هو موضّح أعلاه.
form-consent-self = أوافق على حفظ هذه الإجابات وعرضها على من يتخذون القرار بشأن { $provider }، كما هو موضّح أعلاه.
form-consent-label = الموافقة
form-send = إرسال إجاباتي
form-send-self = إرسال تقييمنا الذاتي
form-save = الحفظ والإكمال لاحقًا
form-decline = تفضّل عدم الإجابة؟ { $link }.
form-decline-link = الاعتذار عن هذا الطلب

likert-1 = لا أوافق إطلاقًا
likert-2 = لا أوافق
likert-3 = محايد
likert-4 = أوافق
likert-5 = أوافق تمامًا
likert-na = لم ألاحظ ذلك
likert-na-self = لا ينطبق
answer-yes = نعم
answer-no = لا
answer-unsure = لست متأكدًا
percentile-bottom-half = النصف الأدنى
percentile-top-half = النصف الأعلى
percentile-top-quarter = الربع الأعلى
percentile-top-10 = أفضل ١٠٪
percentile-top-5 = أفضل ٥٪

error-required = يُرجى الإجابة عن هذا السؤال.
error-likert = يُرجى اختيار تقييم من ١ إلى ٥، أو «لم ألاحظ ذلك».
error-yes-no = يُرجى اختيار نعم أو لا أو لست متأكدًا.
error-percentile = يُرجى اختيار إحدى الفئات: النصف الأدنى أو النصف الأعلى أو الربع الأعلى أو أفضل ١٠٪ أو أفضل ٥٪.
error-choice = يُرجى اختيار واحد مما يلي: { $options }.
error-too-long = يُرجى ألا يتجاوز النص { $max } حرف (عدد أحرفه الآن { $count }).
error-consent = يُرجى الموافقة على طريقة استخدام إجاباتك قبل الإرسال.

## Declining, opting out, and the pages after

decline-title = الاعتذار · Vouch
decline-heading = هل تريد الاعتذار عن طلب المرجع هذا؟
decline-text = سألك { $requested_by } عن { $provider }. إن اعتذرت، فلن نتواصل معك بشأنه مرة أخرى.
decline-reason = السبب (اختياري، ويُرسل إلى { $requested_by })
decline-button = الاعتذار عن الطلب
decline-back = العودة إلى الأسئلة

opt-out-title = لا تسألوني مرة أخرى · Vouch
opt-out-heading = ألا يُطلب منك تقديم مرجع بعد اليوم؟
opt-out-text = سُئلت عن { $provider }. إن أكّدت، فلن يُطلب من { $address } تقديم أي مرجع بعد اليوم، عن أي مقدّم خدمة، وستتوقف الطلبات التي لا تزال مفتوحة لهذا العنوان.
opt-out-kept = تبقى الإجابات التي أرسلتها محفوظة.
opt-out-button = لا تسألوني مرة أخرى
opt-out-done-heading = لن يُطلب منك ذلك مرة أخرى
opt-out-done-text = العنوان { $address } مُدرج في قائمتنا للعناوين التي لا يُطلب منها تقديم مراجع أبدًا. لا حاجة إلى أي شيء آخر.
opt-out-recorded = أُدرج عنوانك في قائمتنا للعناوين التي لا يُطلب منها تقديم مراجع أبدًا، وتوقفت الطلبات التي كانت لا تزال مفتوحة له. وقد أُبلغ من أرسلوا الطلبات بذلك.
opt-out-recorded-close = لا حاجة إلى أي شيء آخر. يمكنك إغلاق هذه الصفحة.

done-title = شكرًا لك
done-text = أُرسلت إجاباتك. إنها تساعد شركة على اختيار شريك يعاملها بالقدر نفسه من الحرص الذي لقيته، أو تجنّبها شريكًا لن يفعل.
done-text-self = أُرسل تقييمك الذاتي. سيقرؤه من يتخذون القرار في الشركة إلى جانب ما يقوله عملاؤك، ولا يُحتسب في النتيجة.
done-close = يمكنك إغلاق هذه الصفحة.
declined-title = لقد اعتذرت عن هذا الطلب
declined-text = شكرًا لإبلاغنا. لن نتواصل معك بشأنه مرة أخرى.

## When a link cannot be used

link-unknown-title = هذا الرابط غير صالح
link-unknown-text = ربما استُبدل برسالة أحدث، أو نُسخ بشكل خاطئ.
link-unknown-help = إن طُلب منك تقديم مرجع، فيُرجى استخدام الرابط الموجود في أحدث رسالة، أو الرد عليها.
link-closed-title = أُغلق هذا الطلب
link-closed-text = انقضى الموعد النهائي، فلم تعد الإجابات تُجمع. شكرًا لك على كل حال.
check-closed-title = أُغلق هذا التحقق من المراجع
check-closed-text = قُرئت الإجابات معًا وأُغلق التحقق، فلم تعد تُقبل إجابات جديدة، ولم يُحفظ ما أدخلته. شكرًا لك على وقتك.
link-declined-text = لا نحتاج منك إلى أي شيء آخر. شكرًا لإبلاغنا.
link-self-sent-title = سبق إرسال تقييمك الذاتي
link-self-sent-text = شكرًا لك، لا حاجة إلى أي شيء آخر. إن أردت تعديله، فيُرجى الرد على الرسالة التي وصلتك وطلب رابط جديد.
link-nominations-sent-title = سبق إرسال هذه المراجع
link-nominations-sent-text = شكرًا لك، لا حاجة إلى أي شيء آخر. إن تغيّر شيء، فيُرجى الرد على الرسالة التي وصلتك.
link-answered-title = لقد أجبت من قبل
link-answered-text = وصلتنا إجاباتك، ولم يعد بالإمكان تعديلها الآن. شكرًا لك على مساعدتك.
link-unavailable-title = الخدمة غير متاحة مؤقتًا
link-unavailable-text = لم يحدث هذا بسبب أي شيء فعلته، ولم يُحفظ شيء هذه المرة. يُرجى الرجوع وإرسال النموذج مجددًا بعد دقيقة: يحتفظ متصفحك بما أدخلته.
link-internal-title = حدث خطأ من جهتنا
link-internal-text = لم يحدث هذا بسبب أي شيء فعلته. يُرجى الرجوع والمحاولة مجددًا بعد بضع دقائق.
link-refused-title = تعذّر تنفيذ ذلك
link-refused-text = يُرجى الرجوع والتحقق مما أدخلته ثم المحاولة مجددًا.
form-unreadable-title = تعذّرت قراءة النموذج
form-unreadable-resend = يُرجى الرجوع وإرساله مجددًا.
form-unreadable-button = يُرجى الرجوع واستخدام أحد الأزرار في آخر النموذج.

## Partnership both ways: the provider's people asked about the buyer at each pulse

invitation-subject-partner = كيف تسير الشراكة بالنسبة إلى { $provider }؟
invitation-intro-partner = يودّ { $requested_by } أن يعرف كيف يسير العمل المشترك من جهتكم: هل تُشرَك { $provider } في الخطط، ويُستمع إليها، وتُبلَّغ في الوقت المناسب، وتُعامَل كشريك لا كقائمة مهام. تُقرأ إجابات جهتكم معًا، ولا تُقرأ إجابة كل شخص وحدها أبدًا.
invitation-intro-partner-company = يودّ { $requested_by } في { $company } أن يعرف كيف يسير العمل المشترك من جهتكم: هل تُشرَك { $provider } في الخطط، ويُستمع إليها، وتُبلَّغ في الوقت المناسب، وتُعامَل كشريك لا كقائمة مهام. تُقرأ إجابات جهتكم معًا، ولا تُقرأ إجابة كل شخص وحدها أبدًا.
reminder-subject-partner = تذكير: كيف تسير الشراكة بالنسبة إلى { $provider }؟
reminder-subject-partner-last = فرصة أخيرة قبل { $deadline }: كيف تسير الشراكة بالنسبة إلى { $provider }؟
reminder-partner-first = تذكير قصير: سأل { $requested_by } عن سير العمل المشترك من جهة { $provider }. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
reminder-partner-first-company = تذكير قصير: سأل { $requested_by } في { $company } عن سير العمل المشترك من جهة { $provider }. يستغرق الأمر نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  }، ويمكنك الحفظ والإكمال لاحقًا.
form-title-partner = متابعة الشراكة لدى { $provider } · Vouch
form-heading-partner = كيف تسير الشراكة من جهتكم؟
form-lead-partner = يودّ { $requested_by } أن يعرف كيف يسير العمل المشترك بالنسبة إلى { $provider }: هل تُشرَكون، ويُستمع إليكم، وتُبلَّغون في الوقت المناسب.
form-lead-partner-name = يودّ { $requested_by } أن يعرف كيف يسير العمل المشترك بالنسبة إلى { $provider } يا { $name }: هل تُشرَكون، ويُستمع إليكم، وتُبلَّغون في الوقت المناسب.
form-who-sees-partner = { $requested_by } وزملاؤه، لجهتكم مجتمعةً بعد انتهاء المتابعة، إلى جانب ما يقوله فريقهم عن { $provider }.
dimension-inclusion = الإشراك في الخطط والاستراتيجية
dimension-advice = الاستماع إلى المشورة
dimension-scope_clarity = وضوح النطاق
dimension-timely_information = المعلومات في وقتها
dimension-partner_treatment = المعاملة كشريك

## Emails to the provider's contact: nomination and self-assessment, in the provider's language

nomination-subject = يُرجى تسمية { $count ->
    [zero] { $count } مراجع من العملاء
    [one] مرجع واحد من العملاء
    [two] مرجعين من العملاء
    [few] { $count } مراجع من العملاء
    [many] { $count } مرجعًا من العملاء
   *[other] { $count } مرجع من العملاء
  } لـ { $provider }
nomination-intro = يدرس { $requested_by } العمل مع { $provider }. ولهذا نودّ أن نسمع من { $count } من عملائكم الحاليين أو السابقين.
nomination-intro-company = يدرس { $requested_by } في { $company } العمل مع { $provider }. ولهذا نودّ أن نسمع من { $count } من عملائكم الحاليين أو السابقين.
nomination-ask = يُرجى تسميتهم قبل { $deadline } (الاسم والبريد الإلكتروني والشركة وكيف عملتم معًا)
nomination-questionnaire = سنرسل إلى كل منهم استبيانًا قصيرًا.
nomination-button = سمِّ مراجعك
self-assessment-subject = تقييم ذاتي قصير لـ { $provider }
self-assessment-intro = يدرس { $requested_by } العمل مع { $provider }. وإلى جانب ما يخبرنا به عملاؤكم، نودّ أن نعرف كيف ترون عملكم.
self-assessment-intro-company = يدرس { $requested_by } في { $company } العمل مع { $provider }. وإلى جانب ما يخبرنا به عملاؤكم، نودّ أن نعرف كيف ترون عملكم.
self-assessment-length = ستقيّمون { $provider } في النقاط نفسها التي يُسأل عنها عملاؤكم، بصيغة المتكلم («نحن …»). يستغرق ذلك نحو { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
  } لـ { $questions ->
    [one] عبارة واحدة
    [two] عبارتين
    [few] { $questions } عبارات
   *[other] { $questions } عبارة
  }، ويمكنكم حفظ إجاباتكم والعودة لاحقًا. يُرجى الإجابة قبل { $deadline }
self-assessment-button = ابدأ التقييم الذاتي
self-assessment-who-sees = تُقارن إجاباتكم بما يقوله عملاؤكم، ولا يطّلع عليها إلا المراجعون في الشركة التي تنوي التعاقد. ولا تُحتسب أبدًا في الدرجة.
self-assessment-who-sees-company = تُقارن إجاباتكم بما يقوله عملاؤكم، ولا يطّلع عليها إلا المراجعون في { $company }. ولا تُحتسب أبدًا في الدرجة.
