package corpora

import (
	"strconv"
	"strings"
)

// clinicGrammar writes patient questions and clinician answers in a plain
// "Q:"/"A:" format. The advice is deliberately generic (rest, fluids, when to
// see a clinician, when to seek urgent care): it is a sample for fine-tuning,
// not medical guidance.
var clinicGrammar = NewGrammar(`
qa = Q: {intro} {symptom} {duration}. {detail} {question}\nA: {open} {advice} {advice2} {redflag}
intro = I am {age} and I have had | Hi, I am {age} years old and I have had | My {relative} has had
	| For the past while I have had | I am a {age} year old {sex} and I have had | Hello. I have had
duration = for {small} days | for about {small} weeks | since last {day} | on and off for a month | for two nights
detail = It is worse at night. | It gets worse after I eat. | Paracetamol helps a little. | I have no other symptoms.
	| I also feel very tired. | It started after a cold. | I take tablets for blood pressure. | I am otherwise healthy.
	| It comes and goes. | I have tried resting but it has not helped. | My temperature was 38 degrees this morning.
question = Should I see a doctor? | Is this something to worry about? | What can I do at home? | Do I need antibiotics?
	| How long will it last? | Is it safe to keep working? | When should I get it checked?
open = Thank you for your question. | I am sorry you are feeling unwell. | This is a common problem. | That sounds uncomfortable.
	| Most cases like this get better on their own. | It is good that you are asking early.
advice2 = If it has not improved in {small} days, book an appointment with your GP. | Your GP can examine you and check your blood pressure.
	| It is worth asking your doctor to review your medication. | Most people feel better within a week or two.
	| Please see your GP if it keeps coming back. | A nurse at your surgery can check this for you.
small = 2 | 3 | 4 | 5 | 6 | 10
day = Monday | Tuesday | Wednesday | Thursday | Friday | weekend
age = 19 | 24 | 31 | 36 | 42 | 47 | 53 | 58 | 64 | 71 | 78
relative = son | daughter | husband | wife | father | mother | partner
sex = man | woman
`)

// clinicSymptoms pairs each complaint with advice and a warning sign that fit it.
var clinicSymptoms = []struct{ symptom, advice, redflag string }{
	{"a dry cough", "Rest, drink plenty of warm fluids and try honey in hot water. | A cough after a cold can last three weeks, which is longer than most people expect.",
		"Seek urgent care if you have chest pain, trouble breathing or cough up blood."},
	{"a sore throat", "Gargle with warm salty water and take paracetamol if you need it. | Antibiotics do not help with viral infections, so they are rarely needed for this.",
		"Seek urgent care if you cannot swallow fluids or have trouble breathing."},
	{"a headache behind my eyes", "Drink enough water, take regular breaks from screens and rest in a dark room. | Keep a diary of when the headaches start and what you were doing.",
		"Call emergency services if the headache is sudden and severe, or comes with a stiff neck or confusion."},
	{"pain in my lower back", "Keep gently active: walking helps more than bed rest. | A warm compress and gentle stretching can ease the pain.",
		"Seek urgent care if you have numbness around the bottom or trouble passing urine."},
	{"an itchy rash on my arms", "An antihistamine from the pharmacy may calm the itching. | Keep the skin cool, use a plain moisturiser and avoid scratching.",
		"See a doctor the same day if the rash spreads quickly or you feel very unwell."},
	{"a blocked nose", "Saline spray and steam can help to clear the nose. | Most colds clear up by themselves within ten days.",
		"See your GP if you have pain and swelling around the eyes."},
	{"a mild fever", "Rest, drink plenty of fluids and take paracetamol to bring the temperature down. | Wear light clothes and keep the room cool.",
		"Seek urgent care if the fever is over 39 degrees and does not come down, or you feel confused."},
	{"stomach cramps", "Eat small, plain meals and sip water often. | Avoid alcohol, coffee and spicy food for a few days.",
		"Go to urgent care if the pain is sudden and severe, or if you notice blood."},
	{"pain in my left knee", "Rest the knee, raise it when you sit and use an ice pack for 20 minutes at a time. | A physiotherapist can show you exercises to strengthen the muscles around the knee.",
		"See a doctor the same day if the knee is hot, red and swollen."},
	{"trouble sleeping", "Try to go to bed at the same time each night and avoid screens before sleep. | Cut down on caffeine after midday.",
		""},
	{"heartburn after meals", "Try to eat smaller meals and avoid eating late in the evening. | An antacid from the pharmacy can ease the burning.",
		"Seek urgent care if you have chest pain that spreads to your arm or jaw."},
	{"dizzy spells when I stand up", "Stand up slowly and sit down again if you feel faint. | Drink enough fluids, especially in hot weather.",
		"Call emergency services if you faint, or the dizziness comes with chest pain."},
	{"swollen ankles", "Raise your legs when you sit, and cut down on salt. | Gentle walking helps the fluid move.",
		"Seek urgent care if you are short of breath or one leg is suddenly painful and swollen."},
	{"an earache", "Take paracetamol for the pain and hold a warm cloth against the ear. | Most ear infections clear up within a few days without antibiotics.",
		"See a doctor the same day if there is fluid coming from the ear or a high temperature."},
	{"sore, red eyes", "Bathe the eyes with cooled boiled water and avoid wearing contact lenses. | Wash your hands often and do not share towels.",
		"Seek urgent care if your eyesight changes or the eye is very painful."},
}

// Clinic generates the clinic domain corpus: question and answer pairs,
// separated by blank lines, until it holds at least minBytes bytes.
func Clinic(seed uint64, minBytes int) string {
	r := NewRand(seed)
	var b strings.Builder
	for b.Len() < minBytes {
		c := clinicSymptoms[r.Intn(len(clinicSymptoms))]
		vars := map[string]string{
			"symptom": c.symptom, "advice": Pick(r, splitAlts(c.advice)), "redflag": Pick(r, append(splitAlts(c.redflag), "")),
		}
		qa := clinicGrammar.Expand(r, "{qa}", vars)
		qa = strings.TrimRight(strings.ReplaceAll(qa, `\n`, "\n"), " ")
		b.WriteString(qa + "\n\n")
	}
	return b.String()
}

// Products in the reviews corpus, with words that only fit that product. A
// plural name takes "These ... work", a singular one "This ... works"; part is
// singular.
var reviewProducts = []struct {
	name   string
	plural bool
	part   string
	use    string
}{
	{"kettle", false, "lid", "boils water for the whole office"},
	{"headphones", true, "headband", "block out the noise on the train"},
	{"backpack", false, "zip", "carries my laptop and lunch"},
	{"desk lamp", false, "switch", "lights my desk evenly"},
	{"running shoes", true, "heel", "kept my feet dry on a muddy run"},
	{"blender", false, "jug", "makes smoothies in seconds"},
	{"phone case", false, "clip", "survived a drop onto concrete"},
	{"umbrella", false, "handle", "stays open in strong wind"},
	{"tent", false, "door zip", "went up in ten minutes"},
	{"coffee grinder", false, "hopper", "grinds beans evenly"},
	{"electric toothbrush", false, "charger", "lasts two weeks on a charge"},
	{"frying pan", false, "handle", "heats evenly on the hob"},
	{"water bottle", false, "cap", "keeps drinks cold all day"},
	{"office chair", false, "armrest", "supports my back through long days"},
	{"walking boots", true, "lacing", "stayed comfortable on a long hike"},
	{"garden hose", false, "nozzle", "reaches the end of the garden"},
}

var reviewGrammar = NewGrammar(`
good = Great value for money. | Arrived quickly and well packed. | Exactly as described. | Really pleased with this purchase.
	| Build quality is excellent. | Would definitely buy again. | Looks even better in person.
	| Easy to set up straight out of the box. | My partner has already asked for one.
ok = Does the job, nothing more. | Fine for the price. | Delivery took longer than expected. | The colour is a bit different from the photos.
	| Instructions could be clearer. | Good, but not great. | It is smaller than I thought.
bad = Stopped working after two weeks. | Poor quality for the price. | Would not recommend. | Returned it for a refund.
	| Customer service never replied. | Arrived damaged and had to be sent back. | Feels cheap and flimsy.
	| Save your money and buy something else.
title5 = Love it | Brilliant | Worth every penny | Best purchase this year | Excellent | Does exactly what it says
title3 = Okay | Mixed feelings | Decent but flawed | Average | Not bad
title1 = Disappointed | Broke quickly | Avoid | Waste of money | Not as advertised
`)

// Reviews generates the reviews domain corpus: product reviews with a star
// rating, a title and a body whose tone follows the rating, separated by blank
// lines, until it holds at least minBytes bytes.
func Reviews(seed uint64, minBytes int) string {
	r := NewRand(seed)
	var b strings.Builder
	for b.Len() < minBytes {
		p := reviewProducts[r.Intn(len(reviewProducts))]
		stars := []int{5, 5, 5, 4, 4, 4, 3, 3, 2, 1}[r.Intn(10)]
		vars := map[string]string{"product": p.name, "part": p.part, "use": p.use, "this": "this", "works": "works"}
		if p.plural {
			vars["this"], vars["works"] = "these", "work"
		}
		var title, body []string
		switch {
		case stars >= 4:
			title = reviewGrammar.Some(r, "title5", 1, vars)
			body = append([]string{reviewGrammar.Expand(r, "^{this} {product} {use}.", vars)}, reviewGrammar.Some(r, "good", 2+r.Intn(2), vars)...)
			if stars == 5 && r.Chance(0.3) {
				body = append(body, "Five stars from me.")
			}
			if stars == 4 {
				body = append(body, reviewGrammar.Expand(r, "Only four stars because the {part} feels a little loose.", vars))
			}
		case stars == 3:
			title = reviewGrammar.Some(r, "title3", 1, vars)
			body = append([]string{reviewGrammar.Expand(r, "^the {product} {works}, but the {part} is awkward.", vars)}, reviewGrammar.Some(r, "ok", 2, vars)...)
		default:
			title = reviewGrammar.Some(r, "title1", 1, vars)
			body = append([]string{reviewGrammar.Expand(r, "I had high hopes for {this} {product}, but the {part} broke within days.", vars)}, reviewGrammar.Some(r, "bad", 2+r.Intn(2), vars)...)
		}
		b.WriteString("Rating: " + strconv.Itoa(stars) + "/5\nTitle: " + title[0] + "\n" + strings.Join(body, " ") + "\n")
		if r.Chance(0.6) {
			b.WriteString("Verified purchase. " + strconv.Itoa(1+r.Intn(40)) + " people found this helpful.\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
