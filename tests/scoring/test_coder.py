"""The utterance coder: the moves it must tell apart (reflections worded like feedback among
them), the shipped weights being current, and the issue's targets on the gold set."""

from __future__ import annotations

import numpy as np
import pytest

from app.embeddings import get_embedder
from app.scoring import rules
from app.scoring.classifier import (
    MODEL_PATH,
    NGRAM_WEIGHT,
    MoveClassifier,
    NgramVocabulary,
    ngrams,
)
from app.scoring.coder import code_feedback_followup, code_utterance, code_utterances
from app.scoring.language import split_sentences
from app.scoring.moves import QUESTIONS, REFLECTIONS, Move, SbiPart
from evals.coder.train_coder import statements_digest, training_hash
from evals.coder_eval import corpus_test_report, gold_half, gold_report, load_gold

CASES = [
    # reflections that start "You've..." are not feedback (the peer's experience, not an act)
    (
        "I've been covering for Sam and my own job.",
        "You've been carrying more than people see.",
        {"complex_reflection"},
    ),
    (  # "not going in" said again in other words: simple
        "I don't really go in any more.",
        "You've been staying away from the office.",
        {"simple_reflection"},
    ),
    (
        "He never changes.",
        "You sound like you've stopped expecting anything different from him.",
        {"complex_reflection"},
    ),
    # feedback: the peer's behaviour in a situation, or with its impact or a request
    (None, "In Tuesday's stand-up you interrupted Sam twice.", {"feedback"}),
    (
        "What's up?",
        "You've been sending review requests at 11pm. I feel pressure to reply at night. "
        "Could you schedule them for the morning?",
        {"feedback"},
    ),
    ("Anything about my one-to-ones?", "You've cancelled three of our last five.", {"feedback"}),
    # what they did to the learner's own work is feedback, asked for or not
    ("Morning.", "You presented my slides as your own.", {"feedback"}),
    # a list of the learner's own observations is feedback, not a summary of theirs
    (
        "What's on your mind?",
        "So in the design crit this morning, you rolled your eyes when Mia shared her mock-ups, "
        "and she went really quiet.",
        {"feedback"},
    ),
    # questions and advice
    ("The project's been paused.", "Why was it paused?", {"open_question", "why_question"}),
    # a contracted "did", typed without a "?", still asks
    ("I didn't join the offsite.", "why'd you skip it", {"open_question", "why_question"}),
    ("I spoke to her last night.", "how'd it go", {"open_question"}),
    # "Why don't you tell me ...?" invites talk: an open question, not advice and not a "why"
    (
        "I wasn't sure where to start.",
        "Why don't you tell me what happened at the review?",
        {"open_question"},
    ),
    # "I was wondering if you could tell me ..." asks them to talk, like "Can you tell me ...?"
    (
        "I drink a bit at the weekend.",
        "I was wondering if you could tell me a little more about a typical weekend.",
        {"open_question"},
    ),
    ("He never asks.", "I wonder if you could talk to him about it?", {"closed_question"}),
    # a ruler follow-up asks what puts them at their number, not for a justification
    ("Probably a six.", "Why a six and not a two?", {"open_question"}),
    (
        "I asked Ana and Ben.",
        "Why did you choose two reviewers?",
        {"open_question", "why_question"},
    ),
    (
        "Twice this month.",
        "Why did you skip the stand-up two times?",
        {"open_question", "why_question"},
    ),
    # a bare "Okay." is a backchannel, not a yes to advice nobody offered
    ("Okay.", "You should talk to her before Friday.", {"advice_without_permission"}),
    ("Go on, then.", "You should talk to her before Friday.", {"advice_with_permission"}),
    # agreement with their plan, not a reflection of it
    ("I think I'll email her tonight.", "Sounds like a plan.", {"other"}),
    # a verdict on what they did earns no listening credit
    ("I've missed the last three deadlines.", "That's just bad planning.", {"judgement"}),
    # their burden named in a joined clause is reflective wording
    (
        "I haven't told anyone, and I keep going over it.",
        "You know the claim wasn't right, and that's hard to live with.",
        {"complex_reflection"},
    ),
    (
        "I think it's partly my fault.",
        "Which part, the estimate or the communication?",
        {"closed_question"},
    ),
    (
        "I don't see the problem.",
        "I think you really need to take this seriously.",
        {"advice_without_permission"},
    ),
    (
        "Marco's reviews are wearing me down.",
        "Would you be open to an idea about how to respond?",
        {"permission_request"},
    ),
    # issue 11: lines the coder used to misread
    # names a feeling they did not say: complex, as MITI codes meaning added
    ("I've been doing two jobs since March.", "You must be exhausted.", {"complex_reflection"}),
    (None, "You must be on the call at nine.", {"advice_without_permission"}),
    (None, "Would you be open to me suggesting something?", {"permission_request"}),
    (None, "Are you really that desperate?", {"closed_question", "judgement"}),
    (None, "Marcus, you stole my idea and you know it.", {"judgement"}),
    (None, "Samir, you look terrible. You're burned out", {"judgement"}),
    # questions in spoken form: a turn picked up mid-sentence, stutters, no "?"
    ("We ship on the ninth.", "- and how is the team taking it?", {"open_question"}),
    (None, "Wh-what do you make of the new rota?", {"open_question"}),
    (
        None,
        "Well, I mean, you know, tell me about the week the audit landed.",
        {"open_question"},
    ),
    (
        None,
        "I was wondering if you'd be up for looking at the rota together.",
        {"closed_question"},
    ),
    (None, "So, wondering what the hesitation is about.", {"open_question"}),
    ("It was one of those weeks.", "And you stayed late how often?", {"closed_question"}),
    # a "?"-statement that echoes the peer stays a reflection (MITI's rising intonation)
    ("I stayed quiet in the retro.", "You stayed quiet?", {"simple_reflection"}),
    # a choice between named options, a negative start, a tag with a name
    (None, "A week or a month?", {"closed_question"}),
    (None, "Isn't rewriting it just more work?", {"closed_question", "leading_question"}),
    (
        None,
        "That went well, didn't it Priya?",
        {"closed_question", "leading_question"},
    ),
    # a new topic is an open question; a suggestion stays advice
    ("That's the budget side.", "And what about the hiring plan?", {"open_question"}),
    (
        "I never get time to think.",
        "How about blocking Friday mornings?",
        {"advice_without_permission", "closed_question"},
    ),
    (None, "On a scale of 1 to 10, how ready are you to raise it?", {"closed_question"}),
    # a wish or an instruction that opens like "Have you ...?" is no question without a "?"
    ("Thanks, that's everything from me.", "Have a good weekend.", {"other"}),
    # reflective wording the lexicons used to read as something else
    (
        "I just say I don't know. It feels awful.",
        "Being unable to reassure them is hard for you.",
        {"complex_reflection"},
    ),
    # normalising their experience is the learner's own view, not a reflection
    (
        "I've been struggling to keep up.",
        "Everyone is struggling. It's that time of year.",
        {"other"},
    ),
    # beside the learner's own information or plan, "you" talk is part of it, not a mirror
    (
        "Okay.",
        "Here's your prescription. We'll check your blood pressure next month, and you might "
        "feel some aches at first.",
        {"other"},
    ),
    (
        "I've had the cat for twelve years.",
        "You know very well that the inhalers keep getting stronger.",
        {"other"},
    ),
    # facts and how things work are information; a plan or view of their own is no move
    ("Can I take it with food?", "The guidelines say it works best with a meal.", {"information"}),
    # in answer to their question, only wording that names their state reflects
    (
        "I'm 38 and I want to retrain. Is that mad?",
        "You're wondering whether it's too late.",
        {"complex_reflection"},
    ),
    (
        "How long does the withdrawal last?",
        "The worst cravings ease off after two to four weeks.",
        {"information"},  # an answer of facts: information, by the model's reading
    ),
    # a recommendation in a cleft is still the learner's advice
    (
        "He keeps coughing at night.",
        "What I would recommend is that you keep him away from the smoke.",
        {"advice_without_permission"},
    ),
    (
        "I can't make it more than two hours.",
        "And that sounds like a lot of excuses to me.",
        {"judgement"},
    ),
    # their words said back are a reflection, even in words a judgement would use; their words
    # turned into the opposite are disagreement
    ("I never get time to think.", "You never get time to think.", {"simple_reflection"}),
    ("It really wasn't that big of a deal.", "It's a big deal.", {"other"}),
    (
        "It really wasn't that big of a deal.",
        "So it wasn't a big deal for you.",
        {"simple_reflection"},
    ),
    # their own instruction said back is no advice; hindsight ("shouldn't have") directs nothing
    ("Find the scissors. [laughs]", "Yeah, find the scissors.", {"simple_reflection"}),
    # one word of theirs said back is a simple reflection; a lone word of one's own is not
    ("Security, mostly.", "Security.", {"simple_reflection"}),
    ("Security, mostly.", "Great.", {"other"}),
    # a transcript turn picked up mid-sentence after they spoke over it
    ("Sure.", "-and that friendship was important to you.", {"complex_reflection"}),
    # facts about people in general are information, even with "feel better" in them
    (
        "I smoke about ten a day.",
        "Smoking raises your blood pressure, and most people who quit feel better within weeks.",
        {"information"},
    ),
    # a check that an explanation landed is a closed question, counted as a check (see below)
    (
        "Okay.",
        "Smoking raises your blood pressure. Does that make sense?",
        {"information", "closed_question"},
    ),
    # a statement said with a "?" inside a reflective turn is part of the reflection (MITI)
    (
        "I've stopped twice before and started again both times.",
        "So it sounds like you've done this before. And right now you're not sure you can do "
        "it again?",
        {"complex_reflection"},
    ),
    # a sanction held over them is a judgement, however calmly it is put
    (
        "I couldn't make it last week.",
        "If you miss another one, I'll have to discharge you.",
        {"judgement"},
    ),
    (
        "I'll sort it out.",
        "Are you seriously still sitting on this?",
        {"closed_question", "judgement"},
    ),
    # a question restarted with a dash still asks
    (
        "I go out most weekends.",
        "Did- how did you get home last time?",
        {"open_question"},
    ),
    # thanks with a name is an acknowledgement, never a reflection
    ("I'll book the follow-up for Tuesday.", "Okay. All right. Thank you, Priya.", {"other"}),
    # perceiving their state ("I can tell you're ...") reflects it; "I can tell you what ..." is
    # the learner's own input
    (
        "Everyone was looking at me like I was stupid.",
        "I can tell you're getting anxious, even just thinking about that day.",
        {"complex_reflection"},
    ),
    (
        "Where do we start?",
        "I can tell you what I usually do in these chats.",
        {"self_disclosure"},
    ),
    # "what that feels like" is the learner's suggestion, not the peer's experience
    (
        "Not really.",
        "A month off drinking is a good way to see what that feels like for your sleep.",
        {"information"},
    ),
    # saying they cannot know the peer's feelings names none
    (
        "Fine, whatever.",
        "I don't know how you're feeling right now, but can we look at the rota together?",
        {"closed_question"},
    ),
    # what they did, with how they felt doing it, is their experience said back, not feedback
    (
        "I guess so.",
        "Well, you came in today feeling pretty flat about the move.",
        {"complex_reflection"},
    ),
    # the learner's own plan laid out as a list is no summary of theirs
    (
        None,
        "So let me tell you how this works: we'll talk for twenty minutes, I'll go through your "
        "form, and then we'll agree a next step.",
        {"other"},
    ),
    (
        "Okay.",
        "So if you're heading out now, I can walk you down, show you the office, and introduce "
        "you to Sam.",
        {"other"},
    ),
    # ... but "when I hear all that" opens a summary of theirs
    (
        "I'm doing two jobs, I barely sleep, and nobody seems to notice.",
        "So when I hear all that, you're stretched, you're exhausted, and you feel invisible.",
        {"summary"},
    ),
    # a list in the learner's own voice, or of what they should do, is no summary of theirs
    (
        "Whatever.",
        "So a stroke is much worse, so make sure you pick up your tablets on the way out, one "
        "every day, and keep taking them.",
        {"advice_without_permission"},
    ),
    # a "when you ..." is any drinker's, not theirs
    (
        "I have a few most nights.",
        "So when you drink a lot, the liver can't keep up, the fat builds up, and over time it "
        "scars.",
        {"information"},
    ),
    # the learner's view about no one in particular is theirs, not a mirror
    ("I don't know.", "Like, that's the, I think, thing to really consider.", {"other"}),
    # a "?" on a new fact, none of their words and no feeling of theirs, asks for it
    ("Morning.", "You found the building okay?", {"closed_question"}),
    # a hedge on the number asked for, and a wh-word whose question is understood, still ask
    (
        "Maybe a glass or two.",
        "Okay. So about how many would you say you have over a week?",
        {"closed_question"},
    ),
    ("I'd love to travel, honestly.", "Where in particular?", {"closed_question"}),
    # an auxiliary before a name asks, however late in the sentence it comes
    (
        "It's been tense since.",
        "And, um, has Kelly said anything to you about it?",
        {"closed_question"},
    ),
    # what they did, said back with a "?", is a reflection, never feedback
    (
        "I stayed late again.",
        "You stayed till nine on Friday?",
        {"simple_reflection"},
    ),
    # a direction is advice however politely it starts; wanting them to know something is not
    (
        "I'll try, I suppose.",
        "I want you to write down every drink this week.",
        {"advice_without_permission"},
    ),
]


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("So, what you're saying is you've had a rough night?", "reflection"),
        ("So it sounds like, right now, is you're willing to give it a go?", "reflection"),
        ("What I'm picking up is that the long history makes it hard to stop?", "reflection"),
        ("What I'm wondering is, how do you feel about it?", "question"),
        ("What do you think is the problem?", "question"),
        # "to me", "as though" and a leading "but" change nothing of what is said back
        ("But it sounds to me too like part of you wants to stop?", "reflection"),
        ("It sounds as though the nights are the hardest part?", "reflection"),
        # a transcript drops the "?" and the dash: a clause later in the statement is no question
        ("So it sounds like right now where you are, is you're ready to try it-", "reflection"),
    ],
)
def test_saying_back_with_a_rising_voice_is_not_asking(text: str, main: str) -> None:
    """ "What you're saying is X?" and "It sounds like X?" say back what was heard, whatever a
    later clause looks like; a cleft that goes on to ask ("What I'm wondering is, how ...?")
    still asks."""
    coded = code_utterance(text, "I was up half the night again, and I've smoked for years.")
    assert coded.main.value == main


def test_a_paraphrase_that_amplifies_a_little_is_a_reflection_of_either_depth() -> None:
    """ "One thing after another" said back as "You've been through a lot this year": a
    reflection for sure; whether the amplification makes it complex is the kind of call expert
    coders split on (simple vs complex kappa 0.21), and the depth head puts it near 0.5 (0.59
    in coder 1.7's head, 0.47 after 1.8's refits on slightly changed statements), so only the
    function is asserted."""
    coded = code_utterance(
        "You've been through a lot this year.", "It's been one thing after another."
    )
    assert len(coded.moves) == 1 and coded.moves[0] in REFLECTIONS


@pytest.mark.parametrize(("context", "text", "labels"), CASES, ids=[c[1][:40] for c in CASES])
def test_moves(context: str | None, text: str, labels: set[str]) -> None:
    coded = code_utterance(text, context)

    assert {m.value for m in coded.moves} == labels
    for evidence in coded.evidence:
        assert evidence.cue is None or evidence.cue in text, "cues quote the turn verbatim"


@pytest.mark.parametrize(
    ("context", "text"),
    [
        # a list in the learner's own voice
        (
            "Okay.",
            "So the issue again is I can't keep hearing reports about you drinking, you're at "
            "parties, and there are pictures online.",
        ),
        # their words in the learner's own mouth
        ("Do you know the Family Bar on Main Street?", "I know the Family Bar, yes."),
        ("Hi, Dawn. Nice to meet you.", "Nice to meet you, too."),
        # a plain answer to their question
        ("Two or three drinks an hour, is that what it is?", "It's one drink an hour."),
    ],
)
def test_repeating_their_words_for_the_learners_own_ends_is_no_reflection(
    context: str, text: str
) -> None:
    coded = code_utterance(text, context)

    assert not coded.has(*REFLECTIONS), [e.source for e in coded.evidence]


def test_sentences_end_after_words_that_end_like_abbreviations() -> None:
    text = (
        "In the retro, you took the first fifteen minutes on your own items. "
        "Next time, could we timebox?"
    )

    assert [s.text for s in split_sentences(text)] == [
        "In the retro, you took the first fifteen minutes on your own items.",
        "Next time, could we timebox?",
    ]
    assert [s.text for s in split_sentences("I spoke to Dr. Patel. She agreed.")] == [
        "I spoke to Dr. Patel.",
        "She agreed.",
    ]


def test_the_shipped_weights_are_trained_on_the_current_training_lines() -> None:
    with np.load(MODEL_PATH) as data:
        shipped = str(data["training_hash"])

    assert shipped == training_hash(), "retrain: .venv/bin/python evals/coder/train_coder.py"


def test_the_statements_digest_changes_with_any_statement_and_their_boundaries() -> None:
    """``make check`` compares it with the shipped model's: a rule change that moves one
    sentence into or out of one training statement must change it."""
    shown = statements_digest(["You sound worn out.", "Deadlines slip."])
    assert shown == statements_digest(["You sound worn out.", "Deadlines slip."])
    assert shown != statements_digest(["You sound worn out.", "Deadlines slip. Again."])
    assert shown != statements_digest(["You sound worn out. Deadlines slip."])
    with np.load(MODEL_PATH) as data:
        assert len(str(data["statements_digest"])) == len(shown)


def test_batch_coding_equals_coding_one_turn_at_a_time() -> None:
    """The scorer codes a transcript in one embedding batch; practice codes turn by turn."""
    items = [(text, context) for context, text, _ in CASES]
    texts = [text for text, _ in items] + ["Ok.", "A much longer sentence " * 12]
    embedder = get_embedder()

    assert np.array_equal(embedder.embed(texts), np.vstack([embedder.embed([t]) for t in texts]))
    assert code_utterances(items) == [code_utterance(text, context) for text, context in items]


def test_the_heads_read_the_word_pairs_the_training_lines_share() -> None:
    vocabulary = NgramVocabulary(["it sounds", "sounds", "sounds like", "you"])

    found = vocabulary.features(["Um, it sounds like a lot.", "Nothing shared here."])

    assert ngrams("It sounds like a lot.") == {
        "it",
        "sounds",
        "like",
        "a",
        "lot",
        "it sounds",
        "sounds like",
        "like a",
        "a lot",
    }
    assert found[0].tolist() == [NGRAM_WEIGHT, NGRAM_WEIGHT, NGRAM_WEIGHT, 0.0]
    assert not found[1].any()


def test_an_explicit_classifier_codes_like_the_shipped_one() -> None:
    items = [(text, context) for context, text, _ in CASES]

    assert code_utterances(items, classifier=MoveClassifier.load()) == code_utterances(items)


def test_gold_held_out_meets_the_issue_targets() -> None:
    held_out = [item for item in load_gold() if gold_half(item) == "held-out"]

    report = gold_report("held-out", held_out)

    assert report.open_closed_accuracy >= 0.90
    assert report.three_way_macro_f1 >= 0.80


def test_our_corpus_test_split_holds_the_agreement_measured_at_release() -> None:
    """1,121 lines in five registers and whole spoken sessions, none of them trained on; a
    change that loses agreement there fails here (1.4 measured 0.856 macro-F1, kappa 0.783)."""
    report = corpus_test_report()

    assert report.items > 1100
    assert report.three_way_macro_f1 >= 0.845
    assert report.kappa is not None and report.kappa >= 0.77
    assert report.open_closed_accuracy >= 0.93


@pytest.mark.parametrize(
    ("text", "checks"),
    [
        ("Smoking raises your blood pressure. Does that make sense?", 1),
        ("So you want to stop, just not this month. Is that right?", 1),
        ("The group meets on Tuesdays at six. Any questions so far?", 1),
        ("Does that make sense?", 0),  # nothing of the learner's to check: a closed question
        ("Is that right?", 0),
    ],
)
def test_a_check_counts_only_after_something_of_the_learners_to_check(
    text: str, checks: int
) -> None:
    """ "Does that make sense?" after an explanation, like "Is that right?" after a reflection,
    checks the learner's own words landed; the metrics leave it out of the questions asked."""
    coded = code_utterance(text, "I'm not sure about any of this.")

    assert coded.check_questions == checks
    assert Move.CLOSED_QUESTION in coded.moves


@pytest.mark.parametrize(
    ("context", "text", "main"),
    [
        ("I've missed two deadlines.", "What's been getting in the way?", "question"),
        ("I've missed two deadlines.", "It's been weighing on you. What's in the way?", "question"),
        (
            "I keep saying yes to everything.",
            "So you want to help everyone. Is that right?",
            "reflection",
        ),
        ("Okay.", "Smoking raises your blood pressure. Does that make sense?", "input"),
        ("Yes, go on.", "Would it help if I shared what usually works?", "question"),
        ("See you then.", "Thanks, see you next week.", "other"),
        # a few words left hanging after a question do not make it a reflection
        (
            "And then the neighbour's fence went down.",
            "Oh, so the fence, where did that come in? That was the-",
            "question",
        ),
        # information that follows the reflection and takes up most of the turn is its point
        (
            "It's only a cat, though.",
            "You sound surprised. But a lot of people find pets make their asthma worse, and "
            "research shows the dander stays in carpets for months after the animal has gone.",
            "input",
        ),
        (
            "I didn't sleep at all.",
            "You're exhausted. Caffeine after two can keep you awake.",
            "reflection",
        ),
        # after the learner's own facts, a "So X, Y, and Z" goes on explaining: no summary,
        # and "So ... your ..." about something else is their conclusion, not a reflection ...
        (
            "Maybe a little bit.",
            "Drinking every night can have a big impact on your liver. So along with raising your "
            "blood pressure, it wears the liver down, and over time it stops working as well.",
            "input",
        ),
        # ... while "So you've ..." after it still says back theirs
        (
            "By the evening all I can think about is a drink.",
            "Lots of people find the first week hard. So you've been carrying this on your own.",
            "reflection",
        ),
        # telling twice as long as the closing question is what the turn is for ...
        (
            "Fine. Go on.",
            "So the low-risk guideline is fourteen units a week, spread over three days or more, "
            "and a bottle of wine is about ten units on its own. What do you make of that?",
            "input",
        ),
        # ... a short fact before the question is not
        ("Is that bad?", "It's a bit high. What do you know about what affects it?", "question"),
        # a statement tacked onto a question, with no reflective wording, goes on asking ...
        (
            "Some of my friends drank with me.",
            "Which friends were those? I don't mean to get too personal.",
            "question",
        ),
        # ... a worded reflection after it is the turn's point
        (
            "I'm done with the late nights.",
            "How might she take it? It sounds like you're really serious this time.",
            "reflection",
        ),
    ],
)
def test_each_turn_has_one_main_behaviour(context: str, text: str, main: str) -> None:
    """One function per turn, as MITI and AnnoMI code it: the last of a question and a
    reflection; a check that the learner's own words landed does not make the turn a question;
    a permission request said as a question is one."""
    assert code_utterance(text, context).main.value == main


def test_a_filler_between_commas_is_no_item_of_a_summary() -> None:
    """A pause ("So X, you know, Y") is one point said slowly, not a list of three of theirs."""
    coded = code_utterance(
        "So you're drinking, you know, more than you'd like.",
        "I have a few most nights, more than I planned.",
    )
    assert Move.SUMMARY not in coded.moves
    assert coded.has(Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION)


def test_a_statement_without_a_question_mark_asks_nothing() -> None:
    """An inverted clause inside a statement ("when you do go out") does not make it a
    question; a "?" would make it a rising statement, a reflection candidate."""
    coded = code_utterance(
        "And when you do go out, you usually have five or six pints.", "Only at the weekend."
    )
    assert not coded.has(*QUESTIONS)
    assert coded.question_count == 0


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("I wonder if you're feeling left out of the decision.", "reflection"),
        ("I wonder if part of you is relieved it's been taken out of your hands?", "reflection"),
        ("I'm wondering whether it feels safer to say nothing at all.", "reflection"),
        ("I wonder if you felt pushed aside.", "reflection"),
        ("I wonder if you could ask her who made the call.", "question"),
        ("I was wondering if you'd be willing to tell me more about the meeting.", "question"),
        ("I wonder if there's anything you'd want to say to them.", "question"),
        ("I wonder if you might be open to trying it once.", "question"),
    ],
)
def test_i_wonder_if_guesses_at_their_experience_or_asks(text: str, main: str) -> None:
    """ "I wonder if you're ..." is MI's tentative reflection, a guess at what lies beneath
    (training/coder/CONVENTIONS.md); "I wonder if you could / you'd be willing / there's
    anything ..." asks them to do or say something, a question."""
    assert code_utterance(text, "Nobody asked me before they moved the launch.").main.value == main


@pytest.mark.parametrize(
    "text",
    [
        "So, you've got this plan by the sound of it, which is, you know, to lead the team-",
        "And the review, which is on Friday, you're dreading it-",
    ],
)
def test_a_relative_clause_in_an_unfinished_statement_asks_nothing(text: str) -> None:
    """A transcript that cuts a turn off drops its "?" too, so an inverted clause after a break
    counts as a question there ("And the bedtime, what does it look like"); ", which is ..."
    describes what came before it and asks nothing."""
    coded = code_utterance(text, "I want to lead the team one day.")
    assert not coded.has(*QUESTIONS)


def test_one_word_of_theirs_before_an_explanation_is_no_reflection() -> None:
    """Naming what they asked about ("Sertraline, okay.") acknowledges it; the turn is the
    explanation that follows. The same word alone would be a simple reflection."""
    context = "I just had a question about the sertraline."
    explained = code_utterance(
        "Sertraline, okay. It's an antidepressant, it comes in 50 and 100 milligram tablets, "
        "and most of the side effects settle within a couple of weeks.",
        context,
    )
    assert not explained.has(*REFLECTIONS)
    assert code_utterance("Just the sertraline.", context).has(*REFLECTIONS)


def test_a_why_question_in_the_middle_of_feedback_is_a_question_not_a_request() -> None:
    """After a judgement the scorecard reads the next turn as feedback continuing; "would you
    keep doing this?" inside a "why" still asks for a reason, so it counts as a why-question."""
    coded = code_feedback_followup(
        "Why on earth would you keep doing this? It's typical of you.", "What?"
    )
    request = code_feedback_followup("Would you send it a day earlier next time?", "What?")

    assert set(coded.moves) == {Move.OPEN_QUESTION, Move.WHY_QUESTION, Move.JUDGEMENT}
    assert Move.FEEDBACK in request.moves and SbiPart.REQUEST in request.sbi


def test_a_question_naming_a_day_in_the_middle_of_feedback_is_no_feedback() -> None:
    """Inside feedback a question carries it on only as its request; "on Monday" names a day,
    not what they did there, and the comparison with everyone else is a judgement."""
    coded = code_feedback_followup(
        "Why can't you just get it done on Monday like everyone else?", "I've been trying."
    )

    assert Move.FEEDBACK not in coded.moves
    assert {Move.JUDGEMENT, Move.CLOSED_QUESTION} <= set(coded.moves)


_RULES_BEYOND_LEXICONS = {
    "echo",
    "no-move",
    "sbi-continued",
    "summary-lists-their-points",
    *(f"question-{form.value}" for form in rules.Form),
    "question-why",
    "question-leading",
    "question-advice",
    "question-count",
}


@pytest.mark.parametrize(("context", "text", "labels"), CASES, ids=[c[1][:40] for c in CASES])
def test_evidence_names_the_rule_or_the_model_probability(
    context: str | None, text: str, labels: set[str]
) -> None:
    """Every label says where it came from: a lexicon entry or named rule a user can look up,
    or the model, with the probability it gave."""
    known = {entry.id for lexicon in rules.LEXICONS.values() for entry in lexicon.entries}
    for evidence in code_utterance(text, context).evidence:
        if evidence.source == "model":
            assert evidence.probability is not None, evidence
        else:
            kind, _, rule_id = evidence.source.partition(":")
            assert kind == "rule" and rule_id in known | _RULES_BEYOND_LEXICONS, evidence
