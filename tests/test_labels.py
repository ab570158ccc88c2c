from model.labels import ACTS, BOILERPLATE, ID2LABEL, LABEL2ID, LABELS


def test_labels_are_the_five_of_the_design_in_order():
    assert LABELS == ("boilerplate", "proposal", "acceptance", "refusal", "condition")
    assert (BOILERPLATE, *ACTS) == LABELS


def test_id_maps_are_inverse_and_follow_the_order():
    assert [ID2LABEL[index] for index in range(len(LABELS))] == list(LABELS)
    assert {label: LABEL2ID[label] for label in LABELS} == {label: i for i, label in enumerate(LABELS)}
