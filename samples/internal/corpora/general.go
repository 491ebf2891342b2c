package corpora

import (
	"regexp"
	"strconv"
	"strings"
)

// person is a character in the general corpus, with the pronouns that agree
// with them.
type person struct{ name, he, him, his string }

var people = func() []person {
	var ps []person
	for _, n := range strings.Fields(`Mara Lena Ruth Nadia Priya Elsa Hana Iris Jo Clara Tess Alma
		Greta Nora Yuki Amara Lucia Wren Delia Fern Ottilie Rosa Bea Kit Vera Quinn`) {
		ps = append(ps, person{n, "she", "her", "her"})
	}
	for _, n := range strings.Fields(`Tomas Ivo Sami Owen Felix Arjun Jonah Milo Hugo Emil Rafa Teo
		Bram Declan Kofi Luca Silas Abel Ned Otto Pavel Rory Tariq Wim`) {
		ps = append(ps, person{n, "he", "him", "his"})
	}
	return ps
}()

// generalGrammar writes the general pretraining corpus: stories, descriptions
// of places, dialogues, instructions, letters and diary entries. Variables
// bound per piece: {hero} {he} {him} {his} for the main character, {pal}
// {phe} {phim} {phis} for a second one, and {town}.
var generalGrammar = NewGrammar(`
# ---------- shared vocabulary ----------
time = early one morning | late one evening | on a grey afternoon | just after sunrise | one windy night
	| on the first day of spring | in the middle of winter | on a hot summer day | one rainy Tuesday
	| at the end of a long week | on the morning of the fair | an hour before dinner
weather = The sky was the colour of wet slate | A thin rain was falling | The wind pushed at the shutters
	| The sun had come out for the first time in days | Fog lay low over the fields | It was so cold that the puddles had frozen
	| The air smelled of cut grass | Clouds raced across the moon | Snow had fallen in the night | The heat made the road shimmer
place = the bakery | the harbour | the old library | the market square | the orchard | the railway station
	| the lighthouse | the bridge over the canal | the village school | the edge of the forest | the bus stop
	| the workshop behind the house | the top of the hill | the allotment gardens | the bookshop on the corner
	| the post office | the ferry landing | the swimming pond | the clock tower | the community hall
	| the weir | the sawmill | the churchyard | the cricket ground | the old quarry | the boatyard | the tea rooms | the laundrette | the village green | the vet's surgery | the fire station | the greengrocer's | the pier | the watermill | the hardware shop | the playground | the castle ruins | the sports hall | the car park behind the chapel | the beach huts
room = kitchen | attic | cellar | garden shed | front room | hallway | greenhouse | back porch | studio | pantry
thing = lantern | map | wooden box | brass key | red umbrella | notebook | old radio | pair of boots | letter
	| jar of honey | kite | violin | compass | basket of apples | bicycle pump | clay pot | wool scarf
	| tin whistle | pocket watch | sack of flour | photograph | bundle of candles | fishing net | music box
	| tin of buttons | sewing machine | telescope | bag of marbles | garden fork | set of keys | spinning top | rocking chair | birdcage | picnic blanket | teapot | wheelbarrow | postcard | harmonica | chessboard | hand mirror | snow globe | fishing rod | skipping rope | toolbox | watering can | wooden spoon | silk ribbon | jigsaw puzzle | torch
animal = a grey cat | an old dog | a family of ducks | a fox | a hedgehog | a pair of crows | a goat
	| a small brown mouse | a heron | a hare | a cow with a bell | a flock of sparrows | a tortoise | a barn owl
	| a robin | a pair of swans | a badger | a spaniel | a black horse | a squirrel | a toad | a magpie | a ginger kitten | a sheepdog | a woodpecker | a field mouse | a stag | a flock of starlings | a lame pigeon | a pair of geese | a stray terrier
adjective = quiet | busy | narrow | crooked | bright | dusty | warm | tidy | crowded | peaceful | windy | muddy
	| cheerful | gloomy | ancient | freshly painted | half empty | noisy | cosy | long
	| shabby | elegant | echoing | sleepy | overgrown | spotless | draughty | lively | sunlit | damp | smoky | shadowy | friendly | forgotten | sprawling | lopsided | whitewashed | fragrant
feeling = nervous | curious | tired but happy | a little lost | proud | worried | hopeful | restless | calm
	| embarrassed | delighted | suspicious | homesick | grateful | impatient
	| relieved | uneasy | cheerful | heartbroken | bewildered | giddy | content | stubborn | shy | exhausted
colour = blue | green | yellow | grey | red | white | brown | orange | silver | dark green | pale blue
	| crimson | cream | navy | mustard | lilac | copper | rust-coloured | bottle green
number = two | three | four | five | six | seven | eight | ten | twelve | twenty
small = 2 | 3 | 4 | 5 | 6 | 8 | 10 | 12 | 15 | 20
job = baker | ferry captain | librarian | carpenter | nurse | postman | teacher | beekeeper | fisherman
	| gardener | clockmaker | farmer | potter | station master | painter | tailor | cook | mechanic
	| plumber | blacksmith | bus driver | shepherd | chemist | lighthouse keeper | dentist | greengrocer | organist | tram conductor | printer | locksmith | cobbler | midwife | vet
food = warm bread | apple pie | vegetable soup | boiled eggs | cheese and pickles | a bowl of porridge
	| fried fish | plum jam on toast | a pot of tea | roasted chestnuts | lentil stew | a slice of cake
	| hot buttered crumpets | a pork pie | fish and chips | rhubarb crumble | scrambled eggs | a ham sandwich | pea soup | cherry tart | baked potatoes | a mug of cocoa | gingerbread | onion bhajis | pancakes with lemon | a bowl of noodles | rice pudding
sound = the church bell | a dog barking far away | rain on the roof | the kettle starting to whistle
	| a train in the distance | gulls crying over the water | someone singing in the street | the creak of the gate
	| the tick of the kitchen clock | wind in the chimney
	| a cuckoo in the wood | the milk float rattling past | children shouting in the lane | an owl hooting | the foghorn out at sea | hammering from the boatyard | a radio playing next door | the baker's van
day = Monday | Tuesday | Wednesday | Thursday | Friday | Saturday | Sunday
month = January | February | March | April | May | June | July | August | September | October | November | December
hour = 6 | 7 | 8 | 9 | 10 | 11 | 12 | 1 | 2 | 3 | 4 | 5
minute = 00 | 15 | 30 | 45 | 10 | 20 | 05 | 50

# ---------- stories ----------
story = {opening} {setting} {want} {obstacle} {talk} {turn} {event} {resolution} {ending}
	| {opening} {want} {setting} {event} {talk} {obstacle} {turn} {resolution} {ending}
	| {opening} {setting} {event} {want} {obstacle} {turn} {talk} {resolution}
opening = ^{time}, {hero} found a {thing} in the {room}. | ^{time}, {hero} set off for {place}.
	| ^{hero} had lived in {town} all {his} life, but {he} had never been inside {place}.
	| ^when {hero} was {number} years old, {his} grandmother gave {him} a {thing}.
	| ^{hero} was a {job} in {town}, and {he} liked the work more than {he} would admit.
	| ^nobody in {town} knew where the {thing} had come from, least of all {hero}.
	| ^{time}, {hero} woke to the sound of {sound}.
	| ^the letter arrived on a {day}, and {hero} read it twice before {he} understood it.
	| ^the {job} from {place} knocked on {hero}'s door {time}, holding a {thing}.
	| ^for {number} years, {hero} had walked past {place} without looking up. ^{time}, {he} finally looked.
	| ^{hero} did not like surprises, which is why {time} was so difficult for {him}.
	| ^it started, as most things in {town} did, with a rumour at {place}.
setting = ^{weather}. | ^{weather}, and {place} was {adjective}. | ^{place} was {adjective} that day.
	| ^{weather}. ^somewhere nearby, {animal} was watching. | ^the streets of {town} were {adjective} and {adjective}.
	| ^{weather}, and the only sound was {sound}.
want = ^{he} wanted to find out who owned the {thing}. | ^{he} hoped to be home before dark.
	| ^all {he} wanted was {food} and a quiet chair. | ^{he} had promised {pal} that {he} would help with the {thing}.
	| ^{he} needed to reach {place} before the last bus. | ^{he} was determined to learn how to play the {thing}, even though it was not really an instrument.
	| ^{he} wanted, more than anything, to see the sea. | ^{he} meant to ask the {job} a question that had bothered {him} for weeks.
	| ^{he} was saving up for a {colour} {thing} {he} had seen in a shop window.
	| ^more than anything, {he} wanted {pal} to forgive {him}.
	| ^{he} had decided to become a {job}, whatever anyone said.
obstacle = ^but the door was locked, and the key was nowhere to be found. | ^but the bridge had been closed after the storm.
	| ^the trouble was that {he} had lost {his} map. | ^but {pal} had other plans. | ^then it began to rain properly.
	| ^unfortunately, {he} had no money left. | ^halfway there, {his} shoe came apart.
	| ^but the path split in two, and neither way looked familiar. | ^just then, {animal} ran across the road and {he} dropped the {thing}.
	| ^the {job} shook {his} head and said it could not be done before {month}.
	| ^but {he} had told a small lie, and now it had grown.
	| ^someone had painted over the sign, and nobody could remember the way.
talk = "{q}" asked {pal}. "{a}" said {hero}. | "{a}" {hero} told {pal}. "{r}" | "{q}" {hero} asked. ^{pal} shrugged. "{a}"
	| "{r}" said {pal}, and {phe} smiled. | ^{pal} leaned closer. "{q}" "{a}" said {hero}, a little too quickly.
q = Where are you going? | What is that in your hand? | Have you eaten today? | Did you hear that? | Are you sure this is the way?
	| Why is everything so quiet? | Can I come with you? | Who told you about it? | What time is it? | Is it far?
a = I am not sure yet. | Only to the end of the road. | It belonged to my grandmother. | I think so, but I have been wrong before.
	| Nobody told me, I just knew. | It is nearly {hour} o'clock. | Not far, if we hurry. | Yes, but let us keep walking.
	| I will tell you later. | Nothing important.
r = Then we had better go now. | I knew you would say that. | You worry too much. | That is the best news I have heard all week.
	| We will need more than luck. | Let us try the other way. | Come on, before it gets dark. | I never doubted you.
turn = ^after a while, {he} noticed a {colour} light in the window of {place}. | ^suddenly {he} remembered what {his} mother used to say.
	| ^a {job} came past with a cart and offered {him} a ride. | ^{he} sat down on a wall to think.
	| ^then {he} heard {sound}, and it gave {him} an idea. | ^it was {pal} who finally spotted the answer.
	| ^slowly, {he} began to see that the {thing} was more than it seemed.
	| ^then {pal} turned up with {food} and a plan. | ^a letter slid under the door, in handwriting {he} did not know.
	| ^the lights of {place} went out, all at once.
event = ^they walked for {number} miles without saying much. | ^they stopped at {place} to rest.
	| ^{animal} followed them for a while and then vanished. | ^the {job} laughed and pointed up the hill.
	| ^inside, everything smelled of {food}. | ^{hero} counted the coins in {his} pocket: there were {number} of them.
	| ^the clock in {place} struck {hour}. | ^they shared {food} and talked about nothing at all.
	| ^{hero} wrote the date in {his} notebook: {day}, {small} {month}.
	| ^they argued about the best way, then took neither. | ^a bus rattled past, full of singing children.
	| ^{hero} tripped over {animal} and nearly fell into the ditch. | ^it grew dark, and the first lamps were lit along the street.
resolution = ^in the end, the {thing} belonged to the {job} at {place}, who had been looking for it for years.
	| ^by the time they reached home, the rain had stopped and the stars were out.
	| ^the door opened at last, and inside was nothing but a {thing} and a note that said "Thank you".
	| ^{he} never did find out who had sent the letter, but {he} kept it on {his} shelf.
	| ^{pal} was right after all, and {hero} told {phim} so.
	| ^it took {him} the whole summer, but {he} learned to do it properly.
	| ^they reached {place} just as the last bus was leaving, and the driver waited for them.
	| ^the {job} fixed it in five minutes and refused to take any money.
	| ^it turned out that {pal} had known all along, and had been waiting for {hero} to ask.
	| ^they sold the {thing} at the {occasion} and gave the money to the school.
ending = ^{hero} felt {feeling}. | ^that night {he} slept better than {he} had in weeks. | ^it was, {he} decided, a good day.
	| ^and that is how the {thing} came to live in {his} {room}. | ^{he} still tells the story, though it grows a little every year.

# ---------- portraits ----------
portrait = {pline} {pline2} {pline3} {pline4}
pline = ^{hero} is a {job} with {hair} hair and a {laugh} laugh. | ^everyone in {town} knows {hero}, the {job} who {habit}.
	| ^{hero} has been the {job} at {place} for {number} years. | ^if you want to meet {hero}, go to {place} on a {day} morning.
pline2 = ^{he} lives above {place} with {animal} and a collection of {collection}. | ^{he} {habit} every {day}, whatever the weather.
	| ^{his} {room} is full of {collection}, sorted by colour. | ^{he} was born in {town} and has never wanted to live anywhere else.
	| ^{he} keeps a {thing} on the windowsill for luck.
pline3 = ^{he} has never {never}, and says {he} never will. | ^people say {he} once {deed}, but {he} will not talk about it.
	| ^{his} favourite meal is {food}, eaten slowly. | ^{he} can name every bird by its song.
	| ^{he} is kind, a little forgetful, and always early. | ^{he} hums while {he} works, usually the same three notes.
pline4 = ^{pal} says {he} is the most {trait} person in {town}. | ^ask {him} about the {thing}, and you will be there all afternoon.
	| ^{he} would be embarrassed to read this. | ^{he} is saving up for a trip to the mountains.
hair = curly grey | short red | long black | untidy brown | white | sandy | thinning | silver
laugh = loud | wheezy | sudden | quiet | infectious | booming | shy | crackling
collection = old maps | teapots | foreign coins | seashells | keys | postcards | buttons | bird feathers | records | tin soldiers
habit = swims in the sea before breakfast | walks the long way round | feeds the ducks at noon | sings in the choir
	| mends other people's bicycles | reads the newspaper out loud | plays chess with the station master | bakes bread for the neighbours
never = been on an aeroplane | eaten a mushroom | missed a day of work | owned a car | learned to whistle | been to the city
deed = rowed across the bay in a storm | found a gold ring in a loaf of bread | won a prize for the largest marrow | met a famous painter
trait = patient | stubborn | generous | curious | organised | cheerful | honest | absent-minded

# ---------- directions ----------
directions = {dirq} {dir1} {dir2} {dir3} {dirend}
dirq = "Excuse me, how do I get to {place}?" ^{pal} pointed down the road. | ^to get to {place} from the station:
	| "Is {place} far from here?" asked {hero}. "Not at all," said {pal}.
dir1 = ^go straight on past {landmark}. | ^cross the road at {landmark} and keep the river on your left.
	| ^take the second turning on the {lr}, just after {landmark}. | ^follow the lane uphill until you reach {landmark}.
dir2 = ^turn {lr} at {landmark}. | ^keep going for about {small} minutes. | ^go through the gate and across the field.
	| ^you will pass {landmark} on your {lr}. | ^at the crossroads, bear {lr}.
dir3 = ^it is the building with the {colour} door. | ^you cannot miss it: there is a bench outside.
	| ^if you reach {landmark}, you have gone too far. | ^it is next to the {job}'s house.
dirend = ^it takes about {small} minutes on foot. | ^ask again if you get lost. | ^good luck! | ~
landmark = the war memorial | a red telephone box | the old chapel | the duck pond | a row of white cottages | the petrol station
	| the school gates | a big chestnut tree | the humpback bridge | the pub with the blue sign | the allotments | a bus shelter
lr = left | right

# ---------- fables ----------
fable = ^a {beast} and a {beast2} lived {where}. {fline} {fline2} {fline3} ^the moral: {moral}
beast = fox | crow | tortoise | hare | lion | mouse | ant | grasshopper | wolf | goat | donkey | stork | frog | peacock
beast2 = heron | beetle | cockerel | sparrow | badger | bear | rabbit | weasel | owl | sheep | lark | snail | cat | ox
where = at the edge of a dark wood | beside a slow river | on a farm at the foot of the hills | in a meadow full of clover
	| near a well that never ran dry | under the same old oak
fline = ^one day the {beast} boasted that it was the cleverest creature for miles around.
	| ^every morning the {beast} laughed at the {beast2} for working so slowly.
	| ^the {beast} found a piece of cheese and would not share a crumb of it.
	| ^when winter came, the {beast} had nothing to eat.
	| ^the {beast} promised to help the {beast2}, but never meant to keep its word.
fline2 = ^the {beast2} said nothing and went on with its work.
	| ^the {beast2} listened politely, then asked a simple question that the {beast} could not answer.
	| ^so the {beast2} set a trap of words, and the {beast} walked straight into it.
	| ^the {beast2} waited patiently for the right moment.
fline3 = ^in the end the {beast} learned its lesson, though it was too late to be of much use.
	| ^by spring the {beast2} was fat and happy, and the {beast} was thin and ashamed.
	| ^and from that day on, the {beast} kept its opinions to itself.
moral = Slow and steady wins the race. | Pride comes before a fall. | A promise is worth only as much as the one who makes it.
	| Those who share have friends when times are hard. | Flattery costs nothing and is worth the same.
	| Look before you leap. | It is easy to be brave from a safe distance.

# ---------- notices and news ----------
notice = LOST: {thing}, {colour}, near {place} on {day}. ^if found, please ask at {place}. ^reward offered.
	| FOUND: {animal}, very friendly, in {place}. ^now staying with the {job}, who would like to find its owner.
	| FOR SALE: {thing} in good condition, {small} pounds or nearest offer. ^ask for {hero} at {place}.
	| WANTED: a {job} for {small} hours a week. ^must be patient and good with people. ^apply in writing to {place}.
	| ^the {town} {occasion} will be held at {place} on {day} {small} {month}, starting at {hour} o'clock. {newsline}
	| ^residents of {town} are reminded that {place} will be closed on {day} for repairs. {newsline}
occasion = summer fair | flower show | book sale | choir concert | harvest supper | dog show | jumble sale | village quiz | pancake race
newsline = ^everyone is welcome. | ^tickets are {small} pounds at the door. | ^volunteers are still needed to set up the tables.
	| ^please bring a plate of food to share. | ^last year more than {number} hundred people came. | ^in case of rain, it will move indoors.

# ---------- nature notes ----------
nature = {month}, near {town}.\n{nline} {nline2} {nline3}
nline = ^first {bird} of the year, singing from the top of a {tree}. | ^the trees are coming into leaf at last.
	| ^heavy frost; the pond was frozen at the edges. | ^saw {animal} crossing the path at dusk.
	| ^the {flowers} are out along the lane. | ^a flock of {birds} landed in the field and fed for an hour.
	| ^rain all morning, then a clear, cold evening.
nline2 = ^the {tree} by the gate has lost a branch in the wind. | ^counted {number} {birds} on the wire.
	| ^the stream is higher than I have seen it for years. | ^bees busy in the {flowers}, even this late.
	| ^found the tracks of {animal} in the mud by the gate. | ^the evenings are drawing out.
nline3 = ^the air smelled of {smell}. | ^no sign yet of the swallows. | ^the light went early, grey and soft.
	| ^I sat on the stile and listened to {sound}. | ^a good day, and a quiet one.
bird = blackbird | thrush | wren | chiffchaff | swallow | goldfinch | lapwing | skylark | curlew | rook | jackdaw | kestrel
birds = blackbirds | thrushes | wrens | swallows | goldfinches | lapwings | skylarks | curlews | rooks | jackdaws | starlings
tree = ash | beech | oak | willow | hawthorn | sycamore | silver birch | horse chestnut | holly | alder
flowers = primroses | bluebells | foxgloves | daisies | cowslips | poppies | buttercups | snowdrops | dandelions | wild roses
smell = wild garlic | woodsmoke | wet earth | cut hay | elderflower | the sea | rain on hot stone

# ---------- descriptions ----------
dopen = ^{place} in {town} is {adjective} in the morning and {adjective} by night.
	| ^if you walk along the canal from {town}, you come to {place}.
	| ^in {month}, {place} is at its best. | ^the first thing you notice about {place} is the smell of {food}.
	| ^{town} is a {adjective} town with {number} bridges and one {adjective} square.
dline = ^the walls are {colour}, and the windows look out over the water. | ^a {job} works there most days.
	| ^on {day}s there is a market, and people come from miles around. | ^in winter the path turns to mud.
	| ^children play by the fountain while their parents talk. | ^there is a bench under a lime tree where {animal} likes to sleep.
	| ^you can hear {sound} from almost anywhere. | ^the oldest building is the clock tower, which is always {number} minutes slow.
	| ^at the back there is a {room} full of boxes that nobody has sorted. | ^the floor is made of wide boards that creak.
	| ^swallows nest under the roof every summer. | ^the light in the late afternoon is soft and golden.
	| ^opening hours are {hour}:{minute} to {hour}:{minute}, except on {day}s.
dclose = ^it is not a famous place, but people who know it keep coming back. | ^most visitors stay longer than they meant to.
	| ^locals say it has not changed in a hundred years. | ^it is the kind of place that makes you lower your voice.

# ---------- dialogue ----------
scene = ^{hero} and {pal} were in the {room}. | ^{hero} met {pal} outside {place}. | ^{time}, {hero} and {pal} sat on the steps of {place}.
	| ^{pal} found {hero} in the {room}, staring at a {thing}. | ^the two of them, {hero} and {pal}, were waiting at {place}.
dl = "{q}" asked {hero}. | "{a}" said {pal}. | "{r}" said {hero}. | "{q}" | "{a}" | ^{pal} laughed. "{r}"
	| "{q}" {hero} said, looking at the {thing}. | "{talkline}" said {pal}. | "{talkline}" | ^{hero} nodded. "{talkline}"
talkline = I left the {thing} in the {room}. | The {job} says the bridge will be open again by {day}.
	| We should have brought {food}. | The train leaves at {hour}:{minute}. | My feet are cold. | Look, {animal}!
	| I have not been to {place} since I was a child. | Do not tell anyone, but I like the rain.
	| You forgot to close the gate again. | We need {small} more chairs for the party.
	| It is quieter here than I expected. | I can never remember which way is north.

# ---------- instructions ----------
tip = ^tip: do not rush this part. | ^tip: ask someone to help you the first time. | ^tip: keep a cloth nearby.
	| ^tip: write down what you did, so you can do it again. | ^tip: it will not be perfect the first time, and that is fine.

# ---------- letters and diaries ----------
lline = ^thank you for the {thing}. ^it arrived on {day} and it is already in use. | ^the weather here has been {adjective}.
	| ^{town} is much as you remember it. | ^I have started working at {place} three days a week.
	| ^the {job} asked about you. | ^I hope your {room} is finished by now. | ^we had {food} for supper and thought of you.
	| ^please write soon and tell me everything. | ^the garden is full of {birds} this year, or so it feels.
	| ^I will visit in {month}, if the trains are running.
sign = With love | Yours | Best wishes | Warmly | See you soon
dline2 = ^woke at {hour}:{minute}. | ^{weather}. | ^walked to {place} and back. | ^had {food} for lunch.
	| ^{pal} came round in the afternoon. | ^read until my eyes hurt. | ^saw {animal} by the fence.
	| ^fixed the {thing}, finally. | ^felt {feeling} all day, for no reason. | ^the {job} was in a good mood.
	| ^wrote {number} pages. | ^bed early.
`)

// howtoSteps are the steps of each task, in order; the generator keeps each
// step with some probability so no two copies are quite alike.
var howtoSteps = map[string][]string{
	"make a simple loaf of bread": {
		"Mix {small}00 grams of flour with 1 teaspoon of salt in a large bowl.",
		"Stir 1/2 teaspoon of yeast into 300 ml of warm water.",
		"Pour the water into the flour and mix until no dry flour is left.",
		"Knead the dough for 10 minutes, until it feels smooth and springs back.",
		"Cover the bowl with a cloth and leave it somewhere warm for {small} hours.",
		"Shape the dough into a ball and put it on a floured tray.",
		"Bake at 220 degrees for 35 minutes, until the bottom sounds hollow when you tap it.",
		"Let it cool before you cut it, however hard that is.",
	},
	"plant beans": {
		"Choose a sunny spot and dig the soil to the depth of a spade.",
		"Push a row of canes into the ground about 20 cm apart.",
		"Plant two beans at the foot of each cane, {small} cm deep.",
		"Water them well, and again every evening if it is dry.",
		"When the shoots appear, guide them gently around the canes.",
		"Pick the beans while they are young and tender.",
	},
	"mend a bicycle tyre": {
		"Turn the bicycle upside down so it rests on the seat and handlebars.",
		"Use two tyre levers to lift one side of the tyre off the rim.",
		"Pull out the inner tube and pump a little air into it.",
		"Listen for the hiss, or hold the tube under water and look for bubbles.",
		"Roughen the area around the hole and spread a thin layer of glue.",
		"Wait {small} minutes, then press the patch on firmly.",
		"Put the tube back, fit the tyre onto the rim and pump it up.",
	},
	"brew a good pot of tea": {
		"Fill the kettle with fresh cold water.",
		"Warm the pot with a little hot water, then pour it away.",
		"Put in one spoon of tea for each person and one for the pot.",
		"Pour on the water just as it comes to the boil.",
		"Leave it to stand for {small} minutes.",
		"Pour, and add milk if you like it.",
	},
	"fold a paper boat": {
		"Take a sheet of paper and fold it in half from top to bottom.",
		"Fold it in half again from left to right, then open that last fold.",
		"Fold the two top corners down to the middle line.",
		"Fold the strips at the bottom up on both sides.",
		"Open the shape from the middle and flatten it into a square.",
		"Pull the two outer corners apart, and the boat will open.",
	},
	"clean a window without streaks": {
		"Mix a bucket of warm water with a small spoon of washing-up liquid.",
		"Wipe the frame first, so dirt does not run onto clean glass.",
		"Wash the glass with a soft sponge, working from the top down.",
		"Dry it with a rubber blade in long, even strokes.",
		"Polish any marks with a dry cloth or a sheet of old newspaper.",
		"Do it on a cloudy day: in bright sun the water dries too fast.",
	},
	"pack a bag for a day walk": {
		"Check the weather and the time of sunset.",
		"Pack a waterproof jacket, even if the sky is clear.",
		"Take {small} litres of water and more food than you think you need.",
		"Put a map and a compass in an outside pocket.",
		"Add a small first aid kit, a hat and a spare pair of socks.",
		"Tell someone where you are going and when you will be back.",
	},
	"make a bird feeder": {
		"Wash out an empty plastic bottle and take off the label.",
		"Cut {small} small holes in the side, a hand's width from the bottom.",
		"Push a wooden spoon through two of the holes to make a perch.",
		"Fill the bottle with seed and screw the lid back on.",
		"Tie a string around the neck and hang it from a branch.",
		"Keep it away from fences, where cats can reach it.",
	},
	"press flowers": {
		"Pick the flowers on a dry morning, after the dew has gone.",
		"Lay them flat between two sheets of plain paper.",
		"Put the paper inside a heavy book and close it.",
		"Stack more books on top and leave them for {small} weeks.",
		"Lift them out carefully with tweezers.",
	},
	"make vegetable soup": {
		"Chop an onion, {small} carrots and two sticks of celery.",
		"Soften them in a large pan with a little oil for 10 minutes.",
		"Add a tin of tomatoes and 1 litre of stock.",
		"Simmer for 25 minutes, until the carrots are soft.",
		"Season with salt and pepper, and blend it if you like it smooth.",
		"Serve with warm bread.",
	},
}

// General generates the general pretraining corpus: pieces of several kinds,
// separated by blank lines, until it holds at least minBytes bytes.
func General(seed uint64, minBytes int) string {
	r := NewRand(seed)
	towns := strings.Fields("Ashby Millbrook Eastwell Saltmarsh Hollin Redford Kettering Brackwater Thornby Lowmoor Fennick Starling")
	var b strings.Builder
	for b.Len() < minBytes {
		hero := Pick(r, people)
		pal := pickPal(r, hero)
		vars := map[string]string{
			"hero": hero.name, "he": hero.he, "him": hero.him, "his": hero.his,
			"pal": pal.name, "phe": pal.he, "phim": pal.him, "phis": pal.his,
			"town": Pick(r, towns),
		}
		vars["beast"] = Pick(r, generalGrammar["beast"])
		vars["beast2"] = Pick(r, generalGrammar["beast2"])
		g := generalGrammar
		var piece string
		switch k := r.Intn(16); {
		case k < 4:
			piece = g.Expand(r, "{story}", vars)
		case k < 5:
			piece = g.Expand(r, "{fable}", vars)
		case k < 6:
			piece = g.Expand(r, "{notice}", vars)
		case k < 7:
			piece = g.Expand(r, "{nature}", vars)
		case k < 8:
			piece = howto(r, vars)
		case k < 10:
			piece = join(g.Expand(r, "{dopen}", vars), g.Some(r, "dline", 2+r.Intn(3), vars), g.Some(r, "dclose", r.Intn(2), vars))
		case k < 11:
			piece = join(g.Expand(r, "{scene}", vars), g.Some(r, "dl", 4+r.Intn(3), vars))
		case k < 12:
			piece = g.Expand(r, "{portrait}", vars)
		case k < 13:
			piece = g.Expand(r, "{directions}", vars)
		case k < 14:
			piece = g.Expand(r, "Dear {pal},\n", vars) + join("", g.Some(r, "lline", 3+r.Intn(2), vars)) +
				g.Expand(r, "\n{sign},\n{hero}", vars)
		default:
			piece = g.Expand(r, "{day}, {small} {month}.\n", vars) + join("", g.Some(r, "dline2", 3+r.Intn(3), vars))
		}
		piece = strings.TrimSpace(strings.ReplaceAll(piece, `\n`, "\n"))
		b.WriteString(saidComma.ReplaceAllString(piece, `,"$1`))
		b.WriteString("\n\n")
	}
	return b.String()
}

// saidComma turns `"Go home." said Ann` into `"Go home," said Ann`.
var saidComma = regexp.MustCompile(`\."( said| asked| [A-Z][a-z]+ (?:said|asked|told))`)

// join joins a first sentence and more with spaces, skipping empty parts.
func join(first string, more ...[]string) string {
	parts := []string{}
	if first != "" {
		parts = append(parts, first)
	}
	for _, m := range more {
		parts = append(parts, m...)
	}
	return strings.Join(parts, " ")
}

func pickPal(r *Rand, not person) person {
	for {
		if p := Pick(r, people); p.name != not.name {
			return p
		}
	}
}

// howto writes one set of numbered instructions, keeping most of the task's
// steps in order and sometimes ending with a tip.
func howto(r *Rand, vars map[string]string) string {
	tasks := sortedKeys(howtoSteps)
	task := Pick(r, tasks)
	var b strings.Builder
	b.WriteString("How to " + task + ":\n")
	n := 0
	for _, s := range howtoSteps[task] {
		if !r.Chance(0.85) {
			continue
		}
		n++
		b.WriteString(strconv.Itoa(n) + ". " + generalGrammar.Expand(r, s, vars) + "\n")
	}
	if r.Chance(0.5) {
		b.WriteString(generalGrammar.Expand(r, "{tip}", vars) + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
